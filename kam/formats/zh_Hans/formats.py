# Money reads 1,234,567.89 in Chinese business documents too; dates keep Django's zh-hans forms.
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
