"""The words the catalogue is made of: categories with their product types, attributes and options.

Every category has exactly :data:`TYPES_PER_CATEGORY` product types and
:data:`ATTRIBUTES_PER_CATEGORY` attributes, and at most :data:`MAX_OPTION_KINDS` option kinds of
at most :data:`MAX_OPTION_VALUES` values, so the generator can draw every product with fixed-size
numpy arrays. The words are chosen so that scoring means something: within an option kind no two
values match each other under the option matcher, and no option value (a colour such as "red")
occurs inside the brands, adjectives, types or attributes of the same category, where
WebShop's substring fallback would count it as chosen.
"""
from __future__ import annotations

from dataclasses import dataclass

TYPES_PER_CATEGORY = 6
ATTRIBUTES_PER_CATEGORY = 10
ATTRIBUTES_PER_PRODUCT = 3
MAX_OPTION_KINDS = 2
MAX_OPTION_VALUES = 8


@dataclass(frozen=True)
class Category:
    """One category of the shop: where it sits, what it sells and how its products vary.

    Attributes:
        department: the top of the category path ("clothing").
        name: the category under it ("t-shirts").
        types: product types, nouns a shopper asks for ("polo shirt").
        attributes: properties a product has or lacks ("machine wash").
        options: ``(kind, values)`` a buyer chooses on the product page (``("size", ("small", ...))``);
            kind ``"size"`` matches exactly, as in WebShop.
        price: the range of prices in dollars, ``(low, high)``.
    """

    department: str
    name: str
    types: tuple[str, ...]
    attributes: tuple[str, ...]
    options: tuple[tuple[str, tuple[str, ...]], ...]
    price: tuple[float, float]


_APPAREL_COLOURS = ("black", "white", "navy", "grey", "green", "blue", "yellow", "purple")
_GEAR_COLOURS = ("black", "white", "silver", "red", "pink", "orange")

CATEGORIES: tuple[Category, ...] = (
    Category("clothing", "shirts",
             ("t-shirt", "polo shirt", "tank top", "henley shirt", "hoodie", "sweatshirt"),
             ("cotton", "machine wash", "short sleeve", "long sleeve", "slim fit", "relaxed fit",
              "moisture wicking", "button closure", "crew neck", "polyester spandex"),
             (("color", _APPAREL_COLOURS), ("size", ("x-small", "small", "medium", "large", "x-large", "xx-large"))),
             (9.0, 45.0)),
    Category("clothing", "shoes",
             ("running shoe", "sneaker", "hiking boot", "sandal", "loafer", "slipper"),
             ("non slip", "rubber sole", "lace up", "memory foam", "breathable mesh", "waterproof",
              "arch support", "lightweight", "leather upper", "wide toe box"),
             (("color", _APPAREL_COLOURS), ("size", ("size 6", "size 7", "size 8", "size 9", "size 10", "size 11"))),
             (19.0, 120.0)),
    Category("electronics", "audio and power",
             ("wireless earbuds", "headphones", "bluetooth speaker", "phone charger", "usb cable", "power bank"),
             ("noise cancelling", "fast charging", "long battery life", "water resistant", "usb-c port",
              "portable", "hands free", "built-in microphone", "wireless charging", "high fidelity"),
             (("color", _GEAR_COLOURS),),
             (8.0, 150.0)),
    Category("home and kitchen", "kitchen and decor",
             ("coffee mug", "throw pillow", "bath towel", "table lamp", "storage basket", "wall clock"),
             ("dishwasher safe", "easy clean", "ceramic", "handmade", "modern design", "eco friendly",
              "microwave safe", "space saving", "hand wash only", "stainless steel"),
             (("color", _APPAREL_COLOURS), ("capacity", ("8 oz", "12 oz", "20 oz", "32 oz"))),
             (7.0, 60.0)),
    Category("beauty", "skin and hair care",
             ("face serum", "moisturizer", "shampoo", "lip balm", "sunscreen", "body wash"),
             ("paraben free", "cruelty free", "vegan", "fragrance free", "hyaluronic acid", "vitamin c",
              "sensitive skin", "travel size", "natural ingredients", "long lasting"),
             (("scent", ("unscented", "coconut", "vanilla", "citrus", "eucalyptus", "cherry blossom")),
              ("size", ("1 fl oz", "2 fl oz", "4 fl oz", "8 fl oz"))),
             (5.0, 40.0)),
    Category("grocery", "snacks and drinks",
             ("protein bar", "granola", "trail mix", "herbal tea", "coffee beans", "beef jerky"),
             ("gluten free", "non gmo", "low sugar", "high protein", "organic", "keto friendly", "kosher",
              "dairy free", "individually wrapped", "plant based"),
             (("flavor", ("classic", "peanut butter", "strawberry", "sea salt", "honey", "cinnamon")),
              ("size", ("pack of 6", "pack of 12", "pack of 24"))),
             (4.0, 35.0)),
    Category("sports and outdoors", "fitness",
             ("yoga mat", "water bottle", "resistance band", "dumbbell", "jump rope", "gym bag"),
             ("non slip", "bpa free", "lightweight", "durable", "portable", "extra thick", "leak proof",
              "insulated", "adjustable", "easy to carry"),
             (("color", _GEAR_COLOURS),),
             (6.0, 80.0)),
    Category("toys and games", "kids toys",
             ("building blocks", "jigsaw puzzle", "plush toy", "board game", "toy car", "art kit"),
             ("educational", "non toxic", "for ages 3 and up", "battery operated", "washable", "gift for kids",
              "learning toy", "wooden", "multiplayer", "easy assembly"),
             (("color", _GEAR_COLOURS),),
             (6.0, 70.0)),
)

BRANDS: tuple[str, ...] = (
    "Nordvik", "Alpenhof", "Kestrel", "Lumio", "Quorra", "Velmont", "Brixley", "Oakhurst", "Zephyra", "Marlowe",
    "Fennick", "Juniper", "Corvo", "Halden", "Pavia", "Sorrento", "Tamsin", "Ulmo", "Wexford", "Yarrow",
    "Aventi", "Bexley", "Cygnet", "Dunmore", "Elvira", "Fjordic", "Gallio", "Hexa", "Ivelle", "Jaxon",
)
"""Brand names: proper nouns free of colour and size words."""

ADJECTIVES: tuple[str, ...] = (
    "premium", "everyday", "essential", "deluxe", "ultra", "compact", "comfy", "modern", "vintage", "sporty",
    "elegant", "basic", "smart", "soft", "sturdy", "cozy",
)
"""Marketing adjectives of titles; the title-noun heuristic of :mod:`.reward` ignores them."""

SIZE_WORDS: tuple[str, ...] = tuple(sorted({
    word for category in CATEGORIES for kind, values in category.options if kind == "size"
    for value in values for word in value.split()
}))
"""Words of size values; the title-noun heuristic ignores them."""
