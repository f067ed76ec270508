import os
import torch, torch.nn.functional as F
from common import *
out = [HEADER.format(doc="Interpolation, padding and embeddings against torch 2.15.0.")]
def case(name, op, args, fn, tol=1e-4, copies=False):
    targs = [a.torch() if isinstance(a, T) else a for a in args]
    out.append(test_fn(name, op, args, fn(*targs), tol, copies))
A = torch.ops.aten
X = T([1,2,3,4],0.0)
case("nearest2d_vec_scale", "aten::upsample_nearest2d.vec", [X, None, [2.0, 1.5]], A.upsample_nearest2d.vec)
case("nearest2d_vec_size_downsample", "aten::upsample_nearest2d.vec", [T([1,1,5,7],0.0), [3,4], None], A.upsample_nearest2d.vec)
case("nearest2d_vec_fractional_scale", "aten::upsample_nearest2d.vec", [T([1,1,5,7],0.0), None, [0.7, 1.3]], A.upsample_nearest2d.vec)
case("nearest2d_sized_with_scales", "aten::upsample_nearest2d", [X, [7,9], 2.5, 2.3], A.upsample_nearest2d.default)
case("nearest_exact2d_vec", "aten::_upsample_nearest_exact2d.vec", [T([1,1,5,7],0.0), [3,10], None], A._upsample_nearest_exact2d.vec)
case("bilinear2d_align_corners", "aten::upsample_bilinear2d.vec", [X, [5,7], True, None], A.upsample_bilinear2d.vec)
case("bilinear2d_half_pixel", "aten::upsample_bilinear2d.vec", [X, [5,7], False, None], A.upsample_bilinear2d.vec)
case("bilinear2d_scale_factors", "aten::upsample_bilinear2d.vec", [X, None, False, [1.7, 2.5]], A.upsample_bilinear2d.vec)
case("bilinear2d_downsample", "aten::upsample_bilinear2d.vec", [T([1,2,7,9],0.0), [3,4], False, None], A.upsample_bilinear2d.vec)
case("bilinear2d_sized_with_scales", "aten::upsample_bilinear2d", [X, [6,8], False, 2.0, 2.0], A.upsample_bilinear2d.default)
case("bilinear2d_non_contiguous", "aten::upsample_bilinear2d.vec", [T([1,3,4,2],0.0,perm=[0,3,1,2]), [5,7], False, None], A.upsample_bilinear2d.vec)
case("bilinear2d_float64", "aten::upsample_bilinear2d.vec", [T([1,2,3,4],0.0,'f64'), [5,7], False, None], A.upsample_bilinear2d.vec, 1e-12)
case("bilinear2d_float16", "aten::upsample_bilinear2d.vec", [T([1,2,3,4],0.0,'f16'), [5,7], True, None], A.upsample_bilinear2d.vec, 2e-2)
case("nearest1d_vec", "aten::upsample_nearest1d.vec", [T([1,2,5],0.0), None, [2.5]], A.upsample_nearest1d.vec)
case("linear1d_vec", "aten::upsample_linear1d.vec", [T([1,2,5],0.0), [8], False, None], A.upsample_linear1d.vec)

case("bicubic2d_align_corners", "aten::upsample_bicubic2d.vec", [X, [5,7], True, None], A.upsample_bicubic2d.vec)
case("bicubic2d_half_pixel_downsample", "aten::upsample_bicubic2d.vec", [T([1,2,7,9],0.0), [4,5], False, None], A.upsample_bicubic2d.vec)
case("bicubic2d_scale_factors", "aten::upsample_bicubic2d.vec", [X, None, False, [1.5, 2.0]], A.upsample_bicubic2d.vec)
case("bilinear2d_aa_downsample", "aten::_upsample_bilinear2d_aa.vec", [T([1,2,9,11],0.0), [4,3], False, None], A._upsample_bilinear2d_aa.vec)
case("bilinear2d_aa_upsample_align_corners", "aten::_upsample_bilinear2d_aa.vec", [T([1,1,3,4],0.0), [5,7], True, None], A._upsample_bilinear2d_aa.vec)
case("bilinear2d_aa_mixed_scale_factors", "aten::_upsample_bilinear2d_aa.vec", [T([1,1,8,5],0.0), None, False, [0.4, 1.6]], A._upsample_bilinear2d_aa.vec)
case("bicubic2d_aa_downsample", "aten::_upsample_bicubic2d_aa.vec", [T([1,2,9,11],0.0), [4,3], False, None], A._upsample_bicubic2d_aa.vec)
case("nearest3d_vec_scale", "aten::upsample_nearest3d.vec", [T([1,2,2,3,3],0.0), None, [1.5, 2.0, 0.7]], A.upsample_nearest3d.vec)
case("nearest_exact3d_sized", "aten::_upsample_nearest_exact3d", [T([1,1,3,2,4],0.0), [5,3,3], None, None, None], A._upsample_nearest_exact3d.default)
case("trilinear3d_align_corners", "aten::upsample_trilinear3d.vec", [T([1,2,2,3,3],0.0), [3,4,5], True, None], A.upsample_trilinear3d.vec)
case("trilinear3d_half_pixel_scales", "aten::upsample_trilinear3d.vec", [T([1,1,3,3,4],0.0), None, False, [1.5, 0.6, 2.0]], A.upsample_trilinear3d.vec)
case("pixel_shuffle_basic", "aten::pixel_shuffle", [T([1,8,2,3],0.0), 2], A.pixel_shuffle)
case("pixel_unshuffle_basic", "aten::pixel_unshuffle", [T([1,2,4,6],0.0), 2], A.pixel_unshuffle)
case("channel_shuffle_basic", "aten::channel_shuffle", [T([1,6,2,2],0.0), 3], A.channel_shuffle)
case("constant_pad_nd_mixed", "aten::constant_pad_nd", [T([2,3,4],0.0), [1,2,-1,1], 0.5], A.constant_pad_nd)
case("constant_pad_nd_int", "aten::constant_pad_nd", [T([2,3],ints=[1,2,3,4,5,6]), [1,1], 7], A.constant_pad_nd)
case("pad_reflect_2d", "aten::pad", [T([1,2,3,4],0.0), [2,1,1,2], "reflect", None], lambda x,p,m,v: F.pad(x,p,m))
case("pad_replicate_2d", "aten::pad", [T([1,2,3,4],0.0), [2,1,1,3], "replicate", None], lambda x,p,m,v: F.pad(x,p,m))
case("pad_circular_1d", "aten::pad", [T([1,2,4],0.0), [2,3], "circular", None], lambda x,p,m,v: F.pad(x,p,m))
case("pad_constant_value", "aten::pad", [T([2,3],0.0), [1,2], "constant", -1.5], lambda x,p,m,v: F.pad(x,p,m,v))
case("reflection_pad2d_direct", "aten::reflection_pad2d", [T([1,3,4],0.0), [1,2,2,1]], A.reflection_pad2d)

case("embedding_mapped_weight", "aten::embedding", [T([5,3],0.0,mapped=True), T([2,3],ints=[4,0,2,2,1,3]), -1, False, False], A.embedding, copies=True)
case("embedding_bag_sum", "aten::embedding_bag", [T([6,3],0.0), T([7],ints=[0,2,5,1,1,3,4]), T([3],ints=[0,2,2]), False, 0, False, None, False],
     lambda w,i,o,*r: F.embedding_bag(i,w,o,mode='sum'))
case("embedding_bag_mean_last_offset", "aten::embedding_bag", [T([6,3],0.0), T([7],ints=[0,2,5,1,1,3,4]), T([3],ints=[0,3,7]), False, 1, False, None, True],
     lambda w,i,o,*r: F.embedding_bag(i,w,o,mode='mean',include_last_offset=True))
case("embedding_bag_max_2d", "aten::embedding_bag", [T([6,3],0.0), T([2,3],ints=[0,2,5,1,1,3]), T([0],ints=[]), False, 2, False, None, False],
     lambda w,i,o,*r: F.embedding_bag(i,w,None,mode='max'))
case("embedding_bag_per_sample_weights_padding", "aten::embedding_bag.padding_idx", [T([6,3],0.0), T([5],ints=[0,2,5,2,3]), T([2],ints=[0,2]), False, 0, False, T([5],1.0), False, 2],
     lambda w,i,o,s,m,sp,psw,ilo,pi: F.embedding_bag(i,w,o,mode='sum',per_sample_weights=psw,padding_idx=pi))
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'nn_resize_pad_embed.rs'),'w').write("\n".join(out))
