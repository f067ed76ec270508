import os
import torch, torch.nn.functional as F
from common import *
out = [HEADER.format(doc="Matrix products and convolutions against torch 2.15.0.")]
def case(name, op, args, fn, tol=1e-4, copies=False):
    targs = [a.torch() if isinstance(a, T) else a for a in args]
    out.append(test_fn(name, op, args, fn(*targs), tol, copies))

case("linear_mapped_weight_no_copy", "aten::linear", [T([3,5],0.0), T([4,5],1.0,mapped=True), T([4],2.0)], F.linear, copies=True)
case("linear_3d_input_no_bias", "aten::linear", [T([2,3,5],0.5), T([4,5],1.0), None], F.linear)
case("linear_non_contiguous_input", "aten::linear", [T([5,3],0.5,perm=[1,0]), T([4,5],1.0), T([4],2.0)], F.linear)
case("linear_float64", "aten::linear", [T([3,5],0.0,'f64'), T([4,5],1.0,'f64'), T([4],2.0,'f64')], F.linear, 1e-12)
case("linear_float16", "aten::linear", [T([3,5],0.0,'f16'), T([4,5],1.0,'f16'), T([4],2.0,'f16')], F.linear, 2e-2)
case("linear_bfloat16", "aten::linear", [T([3,5],0.0,'bf16'), T([4,5],1.0,'bf16'), T([4],2.0,'bf16')], F.linear, 2e-2)
case("addmm_broadcast_beta_alpha", "aten::addmm", [T([4],3.0), T([3,5],0.0), T([5,4],1.0), 0.5, 2.0], lambda s,a,b,be,al: torch.addmm(s,a,b,beta=be,alpha=al))
case("addmm_transposed_weight", "aten::addmm", [T([4],3.0), T([3,5],0.0), T([4,5],1.0,perm=[1,0]), 1, 1], lambda s,a,b,be,al: torch.addmm(s,a,b,beta=be,alpha=al))
case("mm_basic", "aten::mm", [T([3,5],0.0), T([5,2],1.0)], torch.mm)
case("bmm_basic", "aten::bmm", [T([2,3,4],0.0), T([2,4,5],1.0)], torch.bmm)
case("baddbmm_basic", "aten::baddbmm", [T([3,5],0.2), T([2,3,4],0.0), T([2,4,5],1.0), 0.5, 1.5], lambda s,a,b,be,al: torch.baddbmm(s,a,b,beta=be,alpha=al))
case("matmul_batched_broadcast", "aten::matmul", [T([2,1,3,4],0.0), T([3,4,2],1.0)], torch.matmul)
case("matmul_3d_by_2d", "aten::matmul", [T([2,3,4],0.0), T([4,5],1.0)], torch.matmul)
case("matmul_vector_by_batch", "aten::matmul", [T([4],0.0), T([2,4,3],1.0)], torch.matmul)
case("matmul_batch_by_vector", "aten::matmul", [T([2,3,4],0.0), T([4],1.0)], torch.matmul)
case("matmul_dot", "aten::matmul", [T([4],0.0), T([4],1.0)], torch.matmul)
case("mv_basic", "aten::mv", [T([3,4],0.0), T([4],1.0)], torch.mv)
case("addmv_basic", "aten::addmv", [T([3],0.5), T([3,4],0.0), T([4],1.0), 2.0, 0.5], lambda s,a,b,be,al: torch.addmv(s,a,b,beta=be,alpha=al))

conv_args = lambda x,w,b,st,pa,di,tr,op,g: F.conv2d(x,w,b,st,pa,di,g) if not tr else F.conv_transpose2d(x,w,b,st,pa,op,g,di)
case("convolution_grouped_strided_dilated_mapped", "aten::_convolution",
     [T([2,4,7,6],0.0), T([6,2,3,3],1.0,mapped=True), T([6],2.0), [2,1], [1,2], [1,2], False, [0,0], 2, False, False, True, True],
     lambda x,w,b,st,pa,di,tr,op,g,*r: conv_args(x,w,b,st,pa,di,tr,op,g), copies=True)
case("conv2d_depthwise_stride2", "aten::conv2d", [T([1,3,6,5],0.0), T([3,1,3,3],1.0), T([3],2.0), [2,2], [1,1], [1,1], 3], F.conv2d)
case("conv2d_depthwise_multiplier_dilated", "aten::conv2d", [T([2,2,7,7],0.3), T([4,1,3,3],1.0), None, [1,1], [2,2], [2,2], 2], F.conv2d)
case("conv2d_depthwise_wide_rows", "aten::conv2d", [T([1,2,4,17],0.0), T([2,1,3,3],1.0), T([2],2.0), [1,1], [1,1], [1,1], 2], F.conv2d)
case("conv2d_depthwise_5x5_asymmetric_stride", "aten::conv2d", [T([1,3,9,8],0.0), T([3,1,5,5],1.0), None, [2,1], [2,1], [1,1], 3], F.conv2d)
case("conv2d_pointwise", "aten::conv2d", [T([2,4,3,3],0.0), T([5,4,1,1],1.0), T([5],2.0), [1,1], [0,0], [1,1], 1], F.conv2d)
case("conv2d_pointwise_strided", "aten::conv2d", [T([1,4,5,5],0.0), T([3,4,1,1],1.0), None, [2,2], [0,0], [1,1], 1], F.conv2d)
case("conv2d_single_input_channel", "aten::conv2d", [T([1,1,6,6],0.0), T([8,1,3,3],1.0), T([8],0.1), [1,1], [1,1], [1,1], 1], F.conv2d)
case("conv2d_non_contiguous_input", "aten::conv2d", [T([1,5,6,3],0.0,perm=[0,3,1,2]), T([4,3,2,2],1.0), None, [1,1], [0,0], [1,1], 1], F.conv2d)
case("conv2d_unbatched", "aten::conv2d", [T([3,5,5],0.0), T([2,3,3,3],1.0), T([2],2.0), [1,1], [1,1], [1,1], 1], F.conv2d)
case("conv2d_float64", "aten::conv2d", [T([1,2,5,5],0.0,'f64'), T([3,2,3,3],1.0,'f64'), T([3],2.0,'f64'), [1,1], [1,1], [1,1], 1], F.conv2d, 1e-12)
case("conv2d_float16", "aten::conv2d", [T([1,2,5,5],0.0,'f16'), T([3,2,3,3],1.0,'f16'), T([3],2.0,'f16'), [1,1], [1,1], [1,1], 1], F.conv2d, 2e-2)
case("conv2d_padding_same_even_kernel", "aten::conv2d.padding", [T([1,2,5,6],0.0), T([3,2,2,4],1.0), T([3],2.0), [1,1], "same", [1,1], 1], F.conv2d)
case("conv2d_padding_same_dilated", "aten::conv2d.padding", [T([1,2,5,6],0.0), T([3,2,3,2],1.0), None, [1,1], "same", [2,3], 1], F.conv2d)
case("conv2d_padding_valid", "aten::conv2d.padding", [T([1,2,5,6],0.0), T([3,2,3,3],1.0), None, [1,1], "valid", [1,1], 1], F.conv2d)
case("conv1d_strided", "aten::conv1d", [T([2,3,7],0.0), T([4,3,3],1.0), T([4],2.0), [2], [1], [1], 1], F.conv1d)
case("conv1d_grouped_dilated", "aten::conv1d", [T([1,4,9],0.0), T([4,2,3],1.0), None, [1], [2], [2], 2], F.conv1d)
case("conv1d_padding_same", "aten::conv1d.padding", [T([1,2,6],0.0), T([3,2,4],1.0), None, [1], "same", [1], 1], F.conv1d)
case("conv_transpose2d_grouped", "aten::conv_transpose2d.input", [T([1,4,3,4],0.0), T([4,3,3,3],1.0), T([6],2.0), [2,2], [1,1], [1,1], 2, [1,1]], F.conv_transpose2d)
case("conv_transpose2d_dilated", "aten::conv_transpose2d.input", [T([2,2,3,3],0.0), T([2,3,2,3],1.0), None, [1,2], [0,1], [0,1], 1, [2,1]], F.conv_transpose2d)
case("convolution_transposed_flag", "aten::convolution",
     [T([1,2,4,4],0.0), T([2,3,3,3],1.0), T([3],2.0), [2,2], [1,1], [1,1], True, [1,1], 1],
     lambda x,w,b,st,pa,di,tr,op,g: conv_args(x,w,b,st,pa,di,tr,op,g))
case("conv_transpose1d_basic", "aten::conv_transpose1d", [T([1,2,5],0.0), T([2,3,3],1.0), T([3],2.0), [2], [1], [1], 1, [1]], F.conv_transpose1d)
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'nn_matmul_conv.rs'),'w').write("\n".join(out))
