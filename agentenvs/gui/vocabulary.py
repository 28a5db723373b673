"""Label vocabularies of the generated screens; the ``"test"`` split draws from words the others never show.

Every list has a train/val part and a disjoint test part, so a policy evaluated on ``split="test"``
meets labels, titles and menu names it has never seen (icons keep their shapes: their meaning is
the skill tested).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Vocabulary:
    """The words one split's screens are written with."""

    buttons: tuple[str, ...]
    links: tuple[str, ...]
    fields: tuple[str, ...]
    options: tuple[str, ...]
    tabs: tuple[str, ...]
    menus: tuple[str, ...]
    items: tuple[str, ...]
    titles: tuple[str, ...]


_TRAIN = Vocabulary(
    buttons=("Save", "Open", "Cancel", "OK", "Apply", "Close", "Print", "Send", "Next", "Back", "Done", "Sign in",
             "Upload", "Share", "Reset", "Continue", "Search", "Delete", "Edit", "Refresh"),
    links=("Home", "About us", "Contact", "Help", "Pricing", "Blog", "Careers", "Privacy", "Terms", "Support",
           "Downloads", "News", "Forum", "Docs", "Status"),
    fields=("Name", "Email", "Password", "Phone", "City", "Address", "Username", "Subject", "Company", "Country"),
    options=("Remember me", "Dark mode", "Notifications", "Auto save", "Sync files", "Show hints", "Wi-Fi",
             "Bluetooth", "Sound", "Location", "Newsletter", "Spell check"),
    tabs=("General", "Display", "Network", "Privacy", "Account", "Advanced", "Overview", "Details", "History",
          "Files"),
    menus=("File", "Edit", "View", "Insert", "Format", "Tools", "Window", "Help"),
    items=("Inbox", "Drafts", "Photos", "Music", "Videos", "Documents", "Projects", "Recent", "Archive",
           "Contacts", "Calendar", "Notes", "Reports", "Invoices"),
    titles=("Settings", "Preferences", "Mail", "Editor", "Files", "Calendar", "Profile", "Dashboard", "Store",
            "Player"),
)

_TEST = Vocabulary(
    buttons=("Submit", "Confirm", "Export", "Import", "Launch", "Approve", "Reject", "Compile", "Merge", "Publish",
             "Rename", "Attach"),
    links=("Roadmap", "Partners", "Press", "Events", "Sitemap", "Investors", "Community", "Changelog"),
    fields=("Surname", "Postcode", "Website", "Birthday", "Nickname", "Tax ID"),
    options=("Airplane", "Autoplay", "Two-factor", "Captions", "Night light", "Hotspot", "Vibrate"),
    tabs=("Security", "Storage", "Language", "Billing", "Devices", "Sharing"),
    menus=("Run", "Debug", "Layer", "Select", "Image", "Table"),
    items=("Receipts", "Podcasts", "Backups", "Screenshots", "Templates", "Meetings", "Tickets", "Travel"),
    titles=("Console", "Gallery", "Tasks", "Banking", "Weather", "Library"),
)


def vocabulary(split: str) -> Vocabulary:
    """The words of ``split`` (``"train"`` and ``"val"`` share them; ``"test"`` has its own)."""
    return _TEST if split == "test" else _TRAIN
