import os
import torch, torch.nn.functional as F
from common import *
out = [HEADER.format(doc="Pooling, normalization, activations and softmax against torch 2.15.0.")]
def case(name, op, args, fn, tol=1e-4, copies=False):
    targs = [a.torch() if isinstance(a, T) else a for a in args]
    out.append(test_fn(name, op, args, fn(*targs), tol, copies))

X = T([1,2,5,7],0.0)
case("max_pool2d_ceil_mode_padding", "aten::max_pool2d", [X, [3,3], [2,2], [1,1], [1,1], True], F.max_pool2d)
case("max_pool2d_dilation_asymmetric", "aten::max_pool2d", [T([2,1,6,7],0.4), [2,3], [1,2], [1,1], [2,1], False], F.max_pool2d)
case("max_pool2d_default_stride", "aten::max_pool2d", [T([1,3,4,6],0.1), [2,2], [], [0,0], [1,1], False], F.max_pool2d)
case("max_pool2d_ceil_last_window_dropped", "aten::max_pool2d", [T([1,1,6,6],0.2), [2,2], [3,3], [1,1], [1,1], True], F.max_pool2d)
case("max_pool2d_with_indices_unbatched", "aten::max_pool2d_with_indices", [T([2,5,5],0.3), [3,3], [2,2], [1,1], [1,1], True], lambda *a: F.max_pool2d(*a[:5], ceil_mode=a[5], return_indices=True))
case("max_pool2d_non_contiguous", "aten::max_pool2d", [T([1,5,7,2],0.0,perm=[0,3,1,2]), [3,3], [2,2], [1,1], [1,1], True], F.max_pool2d)
case("layer_norm_non_contiguous", "aten::layer_norm", [T([4,3],0.0,perm=[1,0]), [4], T([4],1.0), None, 1e-5, True], lambda x,s,w,b,e,c: F.layer_norm(x,s,w,b,e))
case("softmax_non_contiguous", "aten::softmax.int", [T([4,3],0.0,scale=3.0,perm=[1,0]), 1, None], lambda x,d,t: torch.softmax(x,d))
case("max_pool2d_float64", "aten::max_pool2d", [T([1,2,5,7],0.0,'f64'), [3,3], [2,2], [1,1], [1,1], False], F.max_pool2d, 1e-12)
case("max_pool1d_basic", "aten::max_pool1d", [T([2,3,9],0.0), [3], [2], [1], [1], True], F.max_pool1d)
case("max_pool1d_with_indices_ceil", "aten::max_pool1d_with_indices", [T([2,3,9],0.0), [3], [2], [1], [2], True], lambda *a: F.max_pool1d(*a[:5], ceil_mode=a[5], return_indices=True))
case("adaptive_max_pool1d_indices", "aten::adaptive_max_pool1d", [T([2,3,7],0.0), [3]], lambda x,o: F.adaptive_max_pool1d(x,o,True))
case("avg_pool2d_ceil_exclude_pad", "aten::avg_pool2d", [X, [3,3], [2,2], [1,1], True, False, None], F.avg_pool2d)
case("avg_pool2d_ceil_include_pad", "aten::avg_pool2d", [X, [3,3], [2,2], [1,1], True, True, None], F.avg_pool2d)
case("avg_pool2d_divisor_override", "aten::avg_pool2d", [X, [2,3], [2,1], [1,0], False, True, 5], F.avg_pool2d)
case("avg_pool2d_float16", "aten::avg_pool2d", [T([1,2,5,7],0.0,'f16'), [2,2], [2,2], [0,0], False, True, None], F.avg_pool2d, 2e-2)
case("avg_pool1d_basic", "aten::avg_pool1d", [T([2,3,9],0.0), [3], [2], [1], False, False], F.avg_pool1d)
case("adaptive_avg_pool2d_uneven", "aten::adaptive_avg_pool2d", [X, [3,4]], F.adaptive_avg_pool2d)
case("adaptive_avg_pool2d_global", "aten::adaptive_avg_pool2d", [T([2,3,4,4],0.0), [1,1]], F.adaptive_avg_pool2d)
case("adaptive_avg_pool2d_upsampling", "aten::adaptive_avg_pool2d", [T([1,1,2,3],0.0), [5,4]], F.adaptive_avg_pool2d)
case("adaptive_max_pool2d_indices", "aten::adaptive_max_pool2d", [X, [3,4]], lambda x,o: F.adaptive_max_pool2d(x,o,True))
case("adaptive_avg_pool1d_basic", "aten::adaptive_avg_pool1d", [T([2,3,7],0.0), [3]], F.adaptive_avg_pool1d)

B = T([2,3,2,3],0.0)
bn = lambda x,w,b,rm,rv,tr,mo,eps,cud: F.batch_norm(x,rm,rv,w,b,tr,mo,eps)
case("batch_norm_eval", "aten::batch_norm", [B, T([3],1.0), T([3],2.0), T([3],3.0), T([3],0.5,scale=0.5), False, 0.1, 1e-5, True], bn)
case("batch_norm_non_contiguous", "aten::batch_norm", [T([2,2,3,3],0.0,perm=[0,3,1,2]), T([3],1.0), T([3],2.0), None, None, True, 0.1, 1e-5, True], bn)
case("batch_norm_training_batch_stats", "aten::batch_norm", [B, T([3],1.0), T([3],2.0), None, None, True, 0.1, 1e-5, True], bn)
case("batch_norm_no_affine_3d", "aten::batch_norm", [T([4,3,5],0.3), None, None, T([3],3.0), T([3],0.5,scale=1.5), False, 0.1, 1e-3, True], bn)
case("batch_norm_training_single_value_per_channel", "aten::batch_norm", [T([1,3],0.0), None, None, None, None, True, 0.1, 1e-5, True], torch.ops.aten.batch_norm)
case("batch_norm_float64", "aten::batch_norm", [T([2,3,2,3],0.0,'f64'), T([3],1.0,'f64'), T([3],2.0,'f64'), None, None, True, 0.1, 1e-5, True], bn, 1e-12)
case("batch_norm_float16_training", "aten::batch_norm", [T([2,3,2,3],0.0,'f16'), None, None, None, None, True, 0.1, 1e-5, True], bn, 2e-2)
case("native_batch_norm_training", "aten::native_batch_norm", [B, T([3],1.0), T([3],2.0), None, None, True, 0.1, 1e-5],
     lambda *a: torch.native_batch_norm(*a))
case("weight_norm_dim0", "aten::_weight_norm", [T([4,3,2],0.0), T([4,1,1],1.0), 0], torch._weight_norm)
case("weight_norm_last_dim", "aten::_weight_norm", [T([3,5],0.0), T([1,5],1.0), 1], torch._weight_norm)
case("weight_norm_whole", "aten::_weight_norm", [T([3,5],0.0), T([],1.0), -1], torch._weight_norm)
case("norm_except_dim_basic", "aten::norm_except_dim", [T([4,3,2],0.0), 2, 1], torch.norm_except_dim)
case("layer_norm_two_dims", "aten::layer_norm", [T([2,3,4],0.0), [3,4], T([3,4],1.0), T([3,4],2.0), 1e-5, True], F.layer_norm if False else (lambda x,s,w,b,e,c: F.layer_norm(x,s,w,b,e)))
case("layer_norm_no_affine", "aten::layer_norm", [T([3,5],0.0), [5], None, None, 1e-3, True], lambda x,s,w,b,e,c: F.layer_norm(x,s,w,b,e))
case("layer_norm_float16", "aten::layer_norm", [T([3,5],0.0,'f16'), [5], T([5],1.0,'f16'), T([5],2.0,'f16'), 1e-5, True], lambda x,s,w,b,e,c: F.layer_norm(x,s,w,b,e), 2e-2)
case("native_layer_norm_stats", "aten::native_layer_norm", [T([2,3,4],0.0), [4], T([4],1.0), None, 1e-5], lambda *a: torch.native_layer_norm(*a))
case("group_norm_affine", "aten::group_norm", [T([2,6,2,3],0.0), 3, T([6],1.0), T([6],2.0), 1e-5, True], lambda x,g,w,b,e,c: F.group_norm(x,g,w,b,e))
case("group_norm_no_affine_3d", "aten::group_norm", [T([2,4,5],0.0), 2, None, None, 1e-5, True], lambda x,g,w,b,e,c: F.group_norm(x,g,w,b,e))
case("instance_norm_input_stats", "aten::instance_norm", [T([2,3,2,3],0.0), T([3],1.0), T([3],2.0), None, None, True, 0.1, 1e-5, True],
     lambda x,w,b,rm,rv,u,m,e,c: F.instance_norm(x,rm,rv,w,b,u,m,e))

A = T([11],0.0,scale=4.0)
acts = [
 ("relu", [], F.relu), ("relu6", [], F.relu6), ("hardtanh", [-0.5, 1.5], F.hardtanh), ("hardswish", [], F.hardswish),
 ("hardsigmoid", [], F.hardsigmoid), ("silu", [], F.silu), ("gelu", ["none"], lambda x,a: F.gelu(x, approximate=a)),
 ("sigmoid", [], torch.sigmoid), ("tanh", [], torch.tanh), ("leaky_relu", [0.2], F.leaky_relu), ("elu", [1.5, 1.0, 1.0], lambda x,a,s,i: torch.ops.aten.elu(x,a,s,i)),
 ("selu", [], F.selu), ("celu", [0.7], F.celu), ("mish", [], F.mish), ("softplus", [2.0, 3.0], F.softplus), ("log_sigmoid", [], F.logsigmoid),
 ("threshold", [0.5, -2.0], F.threshold), ("hardshrink", [0.5], F.hardshrink), ("softshrink", [0.5], F.softshrink),
]
for name, extra, fn in acts:
    case(f"act_{name}", f"aten::{name}", [A] + extra, fn)
case("act_rrelu_eval", "aten::rrelu", [A, 0.1, 0.3, False, None], lambda x,l,u,t,g: F.rrelu(x,l,u,False))
case("act_gelu_tanh", "aten::gelu", [A, "tanh"], lambda x,a: F.gelu(x, approximate=a))
case("act_gelu_float64", "aten::gelu", [T([11],0.0,'f64',scale=4.0), "none"], lambda x,a: F.gelu(x, approximate=a), 1e-13)
case("act_silu_float16", "aten::silu", [T([11],0.0,'f16',scale=4.0)], F.silu, 2e-2)
case("act_elu_scaled", "aten::elu", [A, 0.5, 2.0, 1.5], lambda x,a,s,i: torch.ops.aten.elu(x,a,s,i))
case("act_hardswish_non_contiguous", "aten::hardswish", [T([3,4],0.0,scale=4.0,perm=[1,0])], F.hardswish)
case("prelu_per_channel", "aten::prelu", [T([2,3,2],0.0), T([3],1.0)], F.prelu)
case("glu_dim1", "aten::glu", [T([2,4,3],0.0), 1], F.glu)

S = T([2,3,4],0.0,scale=3.0)
case("softmax_dim1", "aten::softmax.int", [S, 1, None], lambda x,d,t: torch.softmax(x,d))
case("softmax_last_dim_to_float64", "aten::softmax.int", [S, -1, 7], lambda x,d,t: torch.softmax(x,d,dtype=torch.float64), 1e-12)
case("log_softmax_dim0", "aten::log_softmax.int", [S, 0, None], lambda x,d,t: torch.log_softmax(x,d))
case("log_softmax_last_dim", "aten::log_softmax.int", [T([3,5],0.0,scale=30.0), -1, None], lambda x,d,t: torch.log_softmax(x,d))
case("softmax_float16", "aten::softmax.int", [T([2,5],0.0,'f16'), 1, None], lambda x,d,t: torch.softmax(x,d), 2e-2)
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'nn_layers.rs'),'w').write("\n".join(out))
