# One date and time format per language, the same on every page and list: 24-hour times,
# dates year first (never "12/06/2026 10:12 p.m." beside "2026-12-05 20:12").
DATE_FORMAT = "j M Y"  # 6 Dec 2026
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "Y-m-d"  # lists and tables
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"
# Money reads 1,234,567.89.
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
