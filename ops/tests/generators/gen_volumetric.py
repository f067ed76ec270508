import os
import torch, torch.nn.functional as F
from common import *
out = [HEADER.format(doc="3-D convolution and pooling against torch 2.15.0.")]
def case(name, op, args, fn, tol=1e-4):
    out.append(test_fn(name, op, args, fn(*[a.torch() if isinstance(a, T) else a for a in args]), tol))
X = T([1,2,4,5,5],0.0)
case("conv3d_padded_strided", "aten::conv3d", [X, T([3,2,2,3,3],1.0), T([3],2.0), [2,1,2], [1,1,0], [1,1,1], 1], F.conv3d)
case("conv3d_grouped_dilated", "aten::conv3d", [T([2,4,5,4,4],0.0), T([4,2,2,2,2],1.0), None, [1,1,1], [0,1,1], [2,1,1], 2], F.conv3d)
case("convolution_5d_weight", "aten::_convolution", [X, T([3,2,3,3,3],1.0), None, [1,1,1], [1,1,1], [1,1,1], False, [0,0,0], 1, False, False, True, True],
     lambda x,w,b,s,p,d,t,op,g,*r: F.conv3d(x,w,b,s,p,d,g))
case("max_pool3d_ceil_dilation", "aten::max_pool3d", [X, [2,3,3], [2,2,2], [1,1,1], [1,2,1], True], F.max_pool3d)
case("avg_pool3d_exclude_pad_ceil", "aten::avg_pool3d", [X, [2,3,3], [2,2,2], [1,1,1], True, False, None], F.avg_pool3d)
case("avg_pool3d_divisor", "aten::avg_pool3d", [X, [2,2,2], [1,2,2], [0,1,1], False, True, 3], F.avg_pool3d)
case("adaptive_avg_pool3d_basic", "aten::adaptive_avg_pool3d", [X, [3,2,4]], F.adaptive_avg_pool3d)
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'nn_volumetric.rs'),'w').write("\n".join(out))
