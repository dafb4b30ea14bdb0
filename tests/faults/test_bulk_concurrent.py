"""Concurrent bulk upserts over the same new keys in opposite orders: no 500 (they
deadlocked: rows were locked in the order sent, and only IntegrityError was handled),
no duplicate; each batch either writes or asks to be sent again (400). Accounts,
contacts and monthly actuals, each over its own route."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import Account, Contact
from plans.models import Actual
from tests.faults.conftest import api_token, figure

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

ROUNDS = 6
KEYS = 40


def _race(token, path, batches):
    """Post each batch from its own thread, all at once; the status codes."""
    codes = [None] * len(batches)
    barrier = threading.Barrier(len(batches))

    def send(index):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        barrier.wait()
        try:
            codes[index] = client.post(path, {"rows": batches[index]}, format="json").status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(batches))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return codes


def _figure(kind, answers):
    counted = ", ".join(f"{answers.count(code)} x {code}" for code in sorted(set(answers)))
    figure(f"bulk {kind}, {ROUNDS} rounds of batches in opposite orders: {counted}")


def test_account_batches_in_opposite_orders(world):
    token = api_token(world.user("ops"))
    owner = world.user("kam_a").username
    answers = []
    for round_ in range(ROUNDS):
        rows = [
            {"external_id": f"R{round_}-{n:03}", "name": f"Bulk {round_}-{n}", "owner": owner}
            for n in range(KEYS)
        ]
        codes = _race(token, "/api/v1/accounts/bulk/", [rows, rows[::-1], rows[::2]])
        answers += codes
        assert 500 not in codes, codes
        assert set(codes) <= {200, 400}, codes
        assert 200 in codes
        made = Account.objects.filter(external_id__startswith=f"R{round_}-")
        assert made.count() == len(set(made.values_list("external_id", flat=True))) == KEYS
    _figure("accounts", answers)


def test_contact_batches_in_opposite_orders(world):
    token = api_token(world.user("ops"))
    Account.objects.filter(pk=world.accounts["acme"].pk).update(external_id="ACME")
    answers = []
    for round_ in range(ROUNDS):
        rows = [
            {"account_external_id": "ACME", "external_id": f"C{round_}-{n:03}", "name": f"P{n}"}
            for n in range(KEYS)
        ]
        codes = _race(token, "/api/v1/contacts/bulk/", [rows, rows[::-1]])
        answers += codes
        assert 500 not in codes, codes
        assert set(codes) <= {200, 400}, codes
        made = Contact.objects.filter(external_id__startswith=f"C{round_}-")
        assert made.count() == len(set(made.values_list("external_id", flat=True))) == KEYS
    _figure("contacts", answers)


def test_actual_batches_in_opposite_orders(world):
    token = api_token(world.user("ops"))
    for name in ("acme", "globex", "initech"):
        Account.objects.filter(pk=world.accounts[name].pk).update(external_id=name.upper())
    answers = []
    for round_ in range(ROUNDS):
        years = range(2000 + 10 * round_, 2010 + 10 * round_)  # 360 keys a round
        rows = [
            {"external_id": ext, "year": year, "month": month, "revenue": f"{month}.00"}
            for ext in ("ACME", "GLOBEX", "INITECH")
            for year in years
            for month in range(1, 13)
        ]
        codes = _race(token, "/api/v1/actuals/bulk/", [rows, rows[::-1], rows[::2]])
        answers += codes
        assert 500 not in codes, codes
        assert set(codes) <= {200, 400}, codes
        assert 200 in codes
        made = Actual.objects.filter(year__in=years)
        keys = set(made.values_list("account_id", "year", "month"))
        assert made.count() == len(keys) == len(rows)
    _figure("actuals", answers)
