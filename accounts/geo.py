"""Where a check-in was, said as people say it: a distance to the account's address.

No geocoding: an account's coordinates are typed in (or imported) with its address; a
check-in's come from the phone. The distance is the great-circle one (haversine), shown
in metres below a kilometre (to 10 m: a phone's fix is no finer) and in kilometres above.
"""

from math import asin, cos, radians, sin, sqrt

from django.utils.formats import number_format
from django.utils.translation import gettext

EARTH_RADIUS_M = 6_371_000


def distance_m(lat1, lon1, lat2, lon2) -> float:
    """Metres between two points given in degrees."""
    lat1, lon1, lat2, lon2 = (radians(float(value)) for value in (lat1, lon1, lat2, lon2))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * asin(sqrt(h))


def distance_label(metres: float) -> str:
    """ "110 m", "2.4 km", "18 km"."""
    if metres < 1000:
        return gettext("%(metres)s m") % {"metres": int(round(metres, -1))}
    kilometres = metres / 1000
    digits = 1 if kilometres < 10 else 0
    return gettext("%(km)s km") % {"km": number_format(round(kilometres, digits), digits)}
