"""What each block kind adds to the layer table, layer by layer as `model.families` builds it.

One function per kind (plain, residual, inception) walks the block's body; every kind then
ends the same way: its downsampling step and its dropout.
"""

from __future__ import annotations

from mnist_lab.config import ConfigError, ConvBlock
from mnist_lab.model.layer_table import STRIDED_KERNEL, Walker

INCEPTION_KERNELS = (1, 3, 5)  # the convolution branches; the fourth branch pools
INCEPTION_POOL = 3


def _conv_unit(walk: Walker, number: int, block: ConvBlock, names: tuple[str, str, str],
               kernel: int, *, activate: bool = True, branch: str = "") -> None:
    """A convolution, then batch norm and the activation as separate layers when `batch_norm`.

    `names` are the convolution's, the batch norm's and the activation's. Without
    `activate` the unit ends linear (the last convolution before a residual addition).
    """
    conv, norm, act = names
    linear = block.batch_norm or not activate
    walk.conv(conv, number, block.filters, kernel, 1, block.padding,
              "linear" if linear else block.activation, branch=branch)
    if block.batch_norm:
        walk.elementwise(norm, "batch norm", number, 4 * block.filters, branch=branch)
        if activate:
            walk.elementwise(act, "activation", number, detail=block.activation, branch=branch)


def plain(walk: Walker, number: int, block: ConvBlock) -> None:
    """`convs` convolutions in a row: one is a LeNet layer, several a VGG stack."""
    prefix = f"block{number}"
    for index in range(1, block.convs + 1):
        _conv_unit(walk, number, block, (f"{prefix}_conv{index}", f"{prefix}_bn{index}",
                                         f"{prefix}_act{index}"), block.kernel_size)


def residual(walk: Walker, number: int, block: ConvBlock) -> None:
    """`convs` convolutions plus a shortcut, added, then activated (He et al.'s basic block)."""
    prefix = f"block{number}"
    start = walk.state
    for index in range(1, block.convs + 1):
        _conv_unit(walk, number, block, (f"{prefix}_conv{index}", f"{prefix}_bn{index}",
                                         f"{prefix}_act{index}"),
                   block.kernel_size, activate=index < block.convs)
    main = walk.state
    walk.state = start
    projection = start.channels != block.filters
    if projection:
        # The channels differ: a 1x1 convolution projects the input to the block's width.
        walk.conv(f"{prefix}_shortcut", number, block.filters, 1, 1, "same", "linear",
                  branch="shortcut")
        if block.batch_norm:
            walk.elementwise(f"{prefix}_shortcut_bn", "batch norm", number, 4 * block.filters,
                             branch="shortcut")
    walk.merge(f"{prefix}_add", "add", number, [main, walk.state], block.filters,
               "1x1 projection shortcut" if projection else "identity shortcut")
    walk.elementwise(f"{prefix}_out", "activation", number, detail=block.activation)


def inception(walk: Walker, number: int, block: ConvBlock) -> None:
    """1x1, 3x3 and 5x5 convolutions and a pooled 1x1 side by side, concatenated."""
    prefix = f"block{number}"
    largest = max(INCEPTION_KERNELS)
    if walk.side < largest:
        raise ConfigError(
            f"block {number}: an inception block needs a map of at least {largest}x{largest} for "
            f"its {largest}x{largest} branch, got {walk.side}x{walk.side}; remove a downsampling step"
        )
    start, ends = walk.state, []
    for kernel in INCEPTION_KERNELS:
        walk.state = start
        name = f"{prefix}_{kernel}x{kernel}"
        _conv_unit(walk, number, block, (name, f"{name}_bn", f"{name}_act"), kernel,
                   branch=f"{kernel}x{kernel}")
        ends.append(walk.state)
    walk.state = start
    walk.pool(f"{prefix}_branch_pool", number, "max", size=INCEPTION_POOL, stride=1, branch="pool")
    _conv_unit(walk, number, block, (f"{prefix}_pool_proj", f"{prefix}_pool_proj_bn",
                                     f"{prefix}_pool_proj_act"), 1, branch="pool")
    ends.append(walk.state)
    walk.merge(f"{prefix}_concat", "concat", number, ends, len(ends) * block.filters,
               f"{len(ends)} branches x {block.filters}")


KINDS = {"plain": plain, "residual": residual, "inception": inception}


def describe_block(walk: Walker, number: int, block: ConvBlock) -> None:
    """The block's body by kind, then its downsampling step and its dropout."""
    KINDS[block.kind](walk, number, block)
    prefix = f"block{number}"
    if block.downsample in ("max", "avg"):
        walk.pool(f"{prefix}_pool", number, block.downsample)
    elif block.downsample == "strided":
        if walk.side < 2:
            raise ConfigError(
                f"block {number}: a stride-2 convolution cannot halve a "
                f"{walk.state.height}x{walk.state.width} feature map; set downsample to 'none'"
            )
        # As wide as the body's output (an inception block's is 4 x filters).
        walk.conv(f"{prefix}_down", number, walk.state.channels, STRIDED_KERNEL, 2, "same",
                  block.activation, check_fit=False)
    if block.dropout:
        walk.elementwise(f"{prefix}_dropout", "dropout", number, detail=f"{block.dropout:g}")
