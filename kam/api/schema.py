"""OpenAPI schema corrections, so the schema says what the API really answers."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiSerializerFieldExtension

BLANKABLE = "x-blankable"


class BlankableEmailFieldExtension(OpenApiSerializerFieldExtension):
    """An e-mail field that may be blank answers "" too, which ``format: email``
    alone would call invalid; the hook below rewrites the marked properties."""

    target_class = "rest_framework.fields.EmailField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if getattr(self.target, "allow_blank", False) or self.target.read_only:
            schema[BLANKABLE] = True
        return schema


def blankable_emails_hook(result, generator, request, public):
    """Postprocessing: an e-mail property marked blankable is a string that is an
    address or empty."""

    def walk(node):
        if isinstance(node, dict):
            if node.pop(BLANKABLE, False):
                node.pop("format", None)
                node["pattern"] = r"^$|^[^@\s]+@[^@\s]+$"
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result


PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details; `errors` maps each field to its messages.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
        "retry_after": {"type": "string"},
    },
    "required": ["type", "title", "status"],
    "additionalProperties": True,
}


def _problem(description):
    ref = {"$ref": "#/components/schemas/Problem"}
    return {"description": description, "content": {"application/problem+json": {"schema": ref}}}


def contract_hook(result, generator, request, public):
    """The contract every operation shares: ``If-Match`` on PUT/PATCH (412 when
    stale), ``Idempotency-Key`` on POST, 400 for invalid input and 413 for a body over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (``kam.api.parsers``), 429 when throttled, all in
    the problem shape."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
    for path, path_item in result.get("paths", {}).items():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            parameters = operation.setdefault("parameters", [])
            responses = operation["responses"]
            if "requestBody" in operation:
                responses.setdefault("400", _problem("Invalid input: `errors` names each field."))
                responses.setdefault("413", _problem(f"The request body is over {megabytes:g} MB."))
            elif any(parameter.get("in") == "query" for parameter in parameters):
                responses.setdefault("400", _problem("A query parameter is invalid."))
            if method in ("put", "patch"):
                parameters.append(
                    {
                        "in": "header",
                        "name": "If-Match",
                        "required": False,
                        "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]+$"},
                        "description": "The ETag a GET returned: the change is refused "
                        "with 412 when the object changed since.",
                        "example": '"5d41402abc4b2a76b9719d911017c592aa4b1f0e"',
                    }
                )
                responses.setdefault("412", _problem("The object changed since it was read."))
            if method == "post":
                parameters.append(
                    {
                        "in": "header",
                        "name": "Idempotency-Key",
                        "required": False,
                        "schema": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 255,
                            "pattern": "^[\\x21-\\x7e]+$",
                        },
                        "description": "Retry safely: the same key with the same body "
                        "returns the first response instead of doing it again.",
                        "example": "erp-2026-11-23-0001",
                    }
                )
                responses.setdefault("409", _problem("The same key is still being processed."))
                responses.setdefault("422", _problem("The key was used with another body."))
            responses.setdefault("429", _problem("Too many requests: see Retry-After."))
            ok = responses.get("200")
            if method in ("get", "put", "patch") and path.endswith("}/") and ok:
                ok.setdefault("headers", {})["ETag"] = {
                    "schema": {"type": "string"},
                    "description": "The version of the object; send it back in If-Match.",
                }
    return result


def _model_field(field):
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    source = getattr(field, "source", "")
    if model is None or not source or "." in source:
        return None
    try:
        return model._meta.get_field(source)
    except Exception:  # not a model field
        return None


def _read_only(field) -> bool:
    """The field or a serializer it is nested in is read-only."""
    node = field
    while node is not None:
        if getattr(node, "read_only", False):
            return True
        node = getattr(node, "parent", None)
    return False


class ReadOnlyChoiceFieldExtension(OpenApiSerializerFieldExtension):
    """A read-only choice field answers "" (or null) when its model field allows it,
    though DRF drops ``allow_blank`` from read-only fields: say so in the schema."""

    target_class = "rest_framework.fields.ChoiceField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        if _read_only(field):
            model_field = _model_field(field)
            if model_field is not None and model_field.blank:
                field.allow_blank = True
            if model_field is not None and model_field.null:
                field.allow_null = True
        return auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
