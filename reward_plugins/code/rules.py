"""What a reward program may name: the allow-lists the validator checks and the worker's namespace is built from.

Plain data, no torch import, so validating a program costs a parse and a walk. Attribute names are
an allow-list (not a deny-list) because every object a program can reach (tensors, strings, torch
functions) has dangerous attributes without an underscore (``Tensor.numpy().tofile``,
``Tensor.untyped_storage``, ``str.format``); only names on these lists can follow a dot.
"""
from __future__ import annotations

#: ``torch.<name>`` a program may call: pure tensor maths that reads no files and reaches no modules.
TORCH_FUNCTIONS: frozenset[str] = frozenset("""
abs absolute acos add all allclose amax amin any arange argmax argmin argsort as_tensor asin atan atan2
bucketize cat cdist ceil clamp clip clone cos cosh count_nonzero cummax cummin cumprod cumsum diag diff
div dot einsum eq equal exp expm1 eye flatten flip floor fmod full full_like gather ge gt hypot isclose
isfinite isin isinf isnan le lerp linspace log log10 log1p log2 logical_and logical_not logical_or
logical_xor logsumexp lt masked_fill matmul max maximum mean median min minimum mul nan_to_num ne neg
nonzero norm ones ones_like outer pow prod relu remainder reshape round rsqrt searchsorted sigmoid sign
sin sinh softmax sort sqrt square squeeze stack std sub sum tanh tensor tile topk transpose tril triu
true_divide trunc unique unsqueeze var where zeros zeros_like
""".split())

#: ``torch.<name>`` constants (dtypes and numbers).
TORCH_CONSTANTS: frozenset[str] = frozenset(
    "bool uint8 int8 int16 int32 int64 long int float16 float32 float64 float double half pi inf nan e".split()
)

#: ``math.<name>`` a program may use.
MATH_NAMES: frozenset[str] = frozenset("""
acos asin atan atan2 ceil copysign cos cosh degrees dist e erf exp expm1 fabs floor fmod hypot inf isclose
isfinite isinf isnan log log10 log1p log2 nan pi radians sin sinh sqrt tan tanh tau trunc
""".split())

#: Builtins a program may call (no ``type``, ``getattr``, ``open``, ``print``, ``format``...).
SAFE_BUILTINS: frozenset[str] = frozenset("""
abs all any bool chr dict divmod enumerate filter float frozenset int isinstance len list map max min next
ord pow range reversed round set slice sorted str sum tuple zip
""".split())

#: Names no program may mention, even as a local variable (so no later rule can be side-stepped by rebinding).
DENIED_NAMES: frozenset[str] = frozenset("""
eval exec compile open getattr setattr delattr hasattr globals locals vars dir type object super input
print breakpoint help memoryview bytearray bytes classmethod staticmethod property id hash iter format
exit quit copyright credits license callable issubclass repr ascii
""".split())

#: Methods and properties of tensors, strings, containers, torch's named tuples and dtypes a program may use.
#: No in-place tensor methods (``add_``), no storage or pointer access, no ``numpy``, ``tofile``, ``format``.
SAFE_ATTRIBUTES: frozenset[str] = frozenset("""
abs all amax amin any argmax argmin argsort bool ceil clamp clip clone cos count_nonzero cumsum diff
dim double eq exp expand expand_as flatten flip float floor ge gt int isfinite isnan item le log log1p
logical_and logical_not logical_or long lt masked_fill matmul max maximum mean min minimum ne neg nonzero
norm numel permute pow prod reshape round sigmoid sign sin size softmax sort sqrt square squeeze std sum
tanh tolist topk transpose unsqueeze values indices view where shape dtype ndim T is_floating_point
repeat roll gather type_as nan_to_num isclose unique mul div sub add remainder tanh relu
to device contiguous clamp_min clamp_max chunk unbind isinf new_zeros new_ones new_full new_tensor
lower upper strip lstrip rstrip split rsplit splitlines startswith endswith find rfind count replace join
isdigit isalpha isspace partition rpartition casefold title index
get keys items append extend pop insert update setdefault union intersection difference issubset
""".split()) | TORCH_FUNCTIONS | TORCH_CONSTANTS | MATH_NAMES

#: The namespaces a program sees as globals besides the safe builtins.
NAMESPACES: tuple[str, ...] = ("torch", "math")

#: The function every program defines: ``compute_reward(state) -> (total [B], {name: [B]})``.
ENTRY = "compute_reward"
