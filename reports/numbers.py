"""Numbers written the way the active language writes them: ``1.234,5`` in Vietnamese (dot for
thousands, decimal comma), ``1,234.5`` in English. Pages, the PDF and the figures on screen use
it; the .xlsx keeps numbers as numbers and lets the reader's Excel write them."""

from typing import Any

from django.utils.formats import get_format


def number(value: Any, decimals: int = 0) -> str:
    """``value`` with ``decimals`` decimal places, thousands grouped."""
    text = f"{float(value):,.{decimals}f}"
    thousands = str(get_format("THOUSAND_SEPARATOR"))
    decimal = str(get_format("DECIMAL_SEPARATOR"))
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def figure(value: Any) -> str:
    """A count: whole numbers without decimals, others with one."""
    number_value = float(value)
    return number(number_value, 0 if number_value.is_integer() else 1)


def percent(value: Any, decimals: int = 1) -> str:
    return f"{number(value, decimals)}%"


def signed(value: Any, decimals: int = 1) -> str:
    """A change: ``+3,2`` or ``-1,0``; zero without a sign."""
    number_value = round(float(value), decimals)
    if number_value == 0:
        return number(0, decimals)
    sign = "+" if number_value > 0 else "-"
    return sign + number(abs(number_value), decimals)
