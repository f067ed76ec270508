import os
import torch
from common import *
out = [HEADER.format(doc="einsum against torch 2.15.0.")]
def case(name, eq, ts, tol=1e-4):
    args = [eq, ts]
    r = torch.einsum(eq, *[t.torch() for t in ts])
    out.append(test_fn(name, "aten::einsum", [eq, ts, None], r, tol))
case("einsum_matmul", "ij,jk->ik", [T([2,3],0.0), T([3,4],1.0)])
case("einsum_batched_attention", "bhqd,bhkd->bhqk", [T([2,2,3,4],0.0), T([2,2,5,4],1.0)])
case("einsum_implicit_output", "ij,jk", [T([2,3],0.0), T([3,4],1.0)])
case("einsum_trace", "ii->", [T([3,3],0.0)])
case("einsum_diagonal", "ii->i", [T([3,3],0.0)])
case("einsum_transpose", "ij->ji", [T([2,3],0.0)])
case("einsum_sum_all", "ijk->", [T([2,3,4],0.0)])
case("einsum_outer", "i,j->ij", [T([3],0.0), T([4],1.0)])
case("einsum_three_operands", "ij,jk,kl->il", [T([2,3],0.0), T([3,4],1.0), T([4,2],2.0)])
case("einsum_ellipsis_broadcast", "...ij,...jk->...ik", [T([2,1,3,4],0.0), T([3,4,2],1.0)])
case("einsum_sum_out_single_operand_label", "ij,kl->ik", [T([2,3],0.0), T([4,5],1.0)])
case("einsum_bilinear", "bn,anm,bm->ba", [T([2,3],0.0), T([4,3,5],1.0), T([2,5],2.0)])
case("einsum_float64", "ij,jk->ik", [T([2,3],0.0,'f64'), T([3,4],1.0,'f64')], 1e-12)
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'nn_einsum.rs'),'w').write("\n".join(out))
