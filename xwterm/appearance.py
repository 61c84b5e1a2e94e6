"""The page's look: colour theme, font size and font family (``--theme``, ``--font-size``,
``--font-family``), delivered to the page in ``?config``.

The page (web/term/themes.js) holds the palettes and checks the same rules again, so that a
page may override the server's choice by its query (``?theme=light&font-size=16``) and a
bad value there falls back to the default instead of breaking the page.
"""

import re

#: The named palettes of web/term/themes.js; the first is the default.
THEMES = ('dark', 'light', 'solarized-dark', 'solarized-light', 'high-contrast')
DEFAULT_THEME = THEMES[0]

#: Font sizes in CSS pixels.
MIN_FONT_SIZE = 6
MAX_FONT_SIZE = 72

#: A CSS font-family list: names, spaces, quotes, commas, dots, hyphens. Nothing that could
#: end a declaration or open a url(), so the value is safe wherever CSS reads it.
MAX_FONT_FAMILY = 200
_FONT_FAMILY = re.compile(r'''[A-Za-z0-9 ,'"._-]+\Z''')


def check_theme(value):
    """The theme name, or ValueError naming the ones there are."""
    name = value.strip().lower()
    if name not in THEMES:
        raise ValueError('unknown theme %r (one of: %s)' % (value, ', '.join(THEMES)))
    return name


def check_font_size(value):
    """A whole number of CSS pixels within the bounds, or ValueError."""
    try:
        size = int(value)
    except (TypeError, ValueError):
        raise ValueError('font size %r is not a whole number of pixels' % (value,))
    if not MIN_FONT_SIZE <= size <= MAX_FONT_SIZE:
        raise ValueError('font size %d is outside %d-%d pixels'
                         % (size, MIN_FONT_SIZE, MAX_FONT_SIZE))
    return size


def check_font_family(value):
    """A CSS font-family list made of safe characters, or ValueError."""
    family = value.strip()
    if not family or len(family) > MAX_FONT_FAMILY or not _FONT_FAMILY.match(family):
        raise ValueError('font family %r: give up to %d characters of letters, digits, '
                         'spaces, quotes, commas, dots and hyphens, e.g. '
                         '"\'Fira Code\', monospace"' % (value, MAX_FONT_FAMILY))
    return family


class Appearance(object):
    """What ``?config`` tells the page about its look; None leaves the page's default."""

    def __init__(self, theme=DEFAULT_THEME, font_size=None, font_family=None):
        self.theme = check_theme(theme)
        self.font_size = None if font_size is None else check_font_size(font_size)
        self.font_family = None if font_family is None else check_font_family(font_family)

    def as_config(self):
        return {'theme': self.theme, 'font_size': self.font_size,
                'font_family': self.font_family}
