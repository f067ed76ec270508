import os
import torch, torch.nn.functional as F
from common import *
out = [HEADER.format(doc="Attention kernels against torch 2.15.0.")]
def conv(a):
    if isinstance(a, T): return a.torch()
    if isinstance(a, list): return [conv(x) for x in a]
    return a
def case(name, op, args, fn, tol=1e-4, copies=False):
    out.append(test_fn(name, op, args, fn(*[conv(a) for a in args]), tol, copies))
class BoolT(T):
    def __init__(self, shape, vals):
        super().__init__(shape); self.vals = vals
    def torch(self):
        return torch.tensor(self.vals, dtype=torch.bool).reshape(self.shape)
    def rust(self):
        v = ', '.join('true' if x else 'false' for x in self.vals)
        shape = ', '.join(str(s) for s in self.shape)
        return f"bool_t(&[{v}], &[{shape}])"
A = torch.ops.aten
sd = lambda q,k,v,m,p,c,s,g: F.scaled_dot_product_attention(q,k,v,attn_mask=m,dropout_p=p,is_causal=c,scale=s,enable_gqa=g)
case("sdpa_plain", "aten::scaled_dot_product_attention", [T([2,2,3,4],0.0), T([2,2,5,4],1.0), T([2,2,5,3],2.0), None, 0.0, False, None, False], sd)
case("sdpa_causal_scaled", "aten::scaled_dot_product_attention", [T([1,2,4,4],0.0), T([1,2,4,4],1.0), T([1,2,4,3],2.0), None, 0.0, True, 0.3, False], sd)
case("sdpa_bool_mask_fully_masked_row", "aten::scaled_dot_product_attention", [T([1,1,3,4],0.0), T([1,1,5,4],1.0), T([1,1,5,2],2.0), BoolT([3,5],[True,False,True,True,False]+[False]*5+[True]*5), 0.0, False, None, False], sd)
case("sdpa_float_mask_broadcast", "aten::scaled_dot_product_attention", [T([2,3,4],0.0), T([2,5,4],1.0), T([2,5,2],2.0), T([3,5],3.0), 0.0, False, None, False], sd)
case("sdpa_transposed_key", "aten::scaled_dot_product_attention", [T([2,3,4],0.0), T([2,4,5],1.0,perm=[0,2,1]), T([2,5,2],2.0), None, 0.0, False, None, False], sd)
case("sdpa_gqa", "aten::scaled_dot_product_attention", [T([1,4,3,4],0.0), T([1,2,3,4],1.0), T([1,2,3,2],2.0), None, 0.0, False, None, True], sd)
case("sdpa_float64", "aten::scaled_dot_product_attention", [T([2,3,4],0.0,'f64'), T([2,5,4],1.0,'f64'), T([2,5,2],2.0,'f64'), None, 0.0, False, None, False], sd, 1e-12)
case("sdpa_float16", "aten::scaled_dot_product_attention", [T([2,3,4],0.0,'f16'), T([2,5,4],1.0,'f16'), T([2,5,2],2.0,'f16'), None, 0.0, False, None, False], sd, 2e-2)

D, H = 4, 2
mha_w = [T([3*D,D],1.0,scale=0.5), T([3*D],1.5,scale=0.5), T([D,D],2.0,scale=0.5), T([D],2.5,scale=0.5)]
case("native_mha_self_weights_averaged", "aten::_native_multi_head_attention", [T([2,3,D],0.0), T([2,3,D],0.0), T([2,3,D],0.0), D, H] + mha_w + [None, True, True, None], A._native_multi_head_attention)
case("native_mha_cross_key_padding_per_head", "aten::_native_multi_head_attention",
     [T([2,3,D],0.0), T([2,3,D],0.7), T([2,3,D],1.4), D, H] + mha_w + [BoolT([2,3],[False,False,True, False,True,False]), True, False, 1], A._native_multi_head_attention)
case("native_mha_src_mask_no_weights", "aten::_native_multi_head_attention",
     [T([2,3,D],0.0), T([2,3,D],0.0), T([2,3,D],0.0), D, H] + mha_w + [BoolT([3,3],[False,True,True,False,False,True,False,False,False]), False, True, 0], lambda *a: A._native_multi_head_attention(*a)[0])
class MaskT(T):
    def torch(self):
        m = torch.zeros(3, 3); m[0, 1] = float('-inf'); m[2, 0] = 5.0
        return m
    def rust(self):
        return "torchscript_ops::Tensor::from_vec(vec![0f32, f32::NEG_INFINITY, 0., 0., 0., 0., 5., 0., 0.], &[3, 3]).unwrap()"
case("native_mha_float_mask_means_masked_when_non_zero", "aten::_native_multi_head_attention",
     [T([2,3,D],0.0), T([2,3,D],0.0), T([2,3,D],0.0), D, H] + mha_w + [MaskT([3,3]), True, True, 0], A._native_multi_head_attention)
enc = lambda relu_first: None
ew = [T([D],3.0,scale=0.5), T([D],3.5,scale=0.5), T([D],4.0,scale=0.5), T([D],4.5,scale=0.5), T([6,D],5.0,scale=0.5), T([6],5.5,scale=0.5), T([D,6],6.0,scale=0.5), T([D],6.5,scale=0.5)]
for gelu in [False, True]:
    for nf in [False, True]:
        case(f"encoder_layer_gelu_{str(gelu).lower()}_norm_first_{str(nf).lower()}", "aten::_transformer_encoder_layer_fwd",
             [T([2,3,D],0.0), D, H] + mha_w + [gelu, nf, 1e-5] + ew + [None, None], A._transformer_encoder_layer_fwd)
case("encoder_layer_key_padding_mask", "aten::_transformer_encoder_layer_fwd",
     [T([2,3,D],0.0), D, H] + mha_w + [False, False, 1e-5] + ew + [BoolT([2,3],[False,False,True,False,True,True]), 1], A._transformer_encoder_layer_fwd)
src = "\n".join(out)
src = src.replace("use torchscript_ops::{Arg, DType};", "use torchscript_ops::{Arg, DType, Tensor};\n\nfn bool_t(values: &[bool], shape: &[usize]) -> Tensor {\n    let v: Vec<torchscript_ops::Bool8> = values.iter().map(|&b| b.into()).collect();\n    Tensor::from_vec(v, shape).unwrap()\n}")
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'nn_attention.rs'),'w').write(src)
