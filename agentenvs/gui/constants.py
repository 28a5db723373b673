"""The GUI family's fixed vocabularies: element roles, icon kinds, looks, themes and split seed ranges."""
from __future__ import annotations

ROLES = ("button", "icon", "text_field", "checkbox", "radio", "link", "tab", "list_item", "menu_item")
"""Interactive element roles; ``reward_state()["element_roles"]`` holds indices into this tuple."""

ROLE_WORDS = {
    "button": "button", "icon": "icon", "text_field": "text field", "checkbox": "checkbox",
    "radio": "radio button", "link": "link", "tab": "tab", "list_item": "list item", "menu_item": "menu item",
}
"""How an instruction names each role."""

ICONS = {
    "gear": "open the settings",
    "magnifier": "search",
    "trash": "delete the selection",
    "plus": "add a new item",
    "home": "go to the home page",
    "star": "add this to the favourites",
    "bell": "show the notifications",
    "user": "open the user profile",
    "back": "go back",
    "forward": "go forward",
    "refresh": "reload the page",
    "menu": "open the main menu",
    "heart": "like this",
    "download": "download the file",
    "pencil": "edit this",
    "mail": "open the mailbox",
    "close": "close the window",
}
"""Icon kind (the shape drawn, and the element's label) -> what clicking it does, in instruction words."""

LOOKS = ("desktop", "web", "mobile")
"""Screen styles: an application window, a browser page, a phone app."""

THEMES = ("light", "dark")

SPLITS = ("train", "val", "test")
SPLIT_SPAN = 1_000_000_000
"""Screens per split: split ``i`` draws screen ids from ``[i * SPLIT_SPAN, (i + 1) * SPLIT_SPAN)``."""

MIN_SIZE = (160, 120)
MAX_SIZE = (1920, 1080)
"""Smallest and largest screen (width, height); portrait screens swap the two bounds."""

ORDINALS = ("first", "second", "third", "fourth", "fifth")
