import os
import torch, torch.nn.functional as F
from common import *
out = [HEADER.format(doc="Recurrent layers and cells against torch 2.15.0.")]
def conv(a):
    if isinstance(a, T): return a.torch()
    if isinstance(a, list): return [conv(x) for x in a]
    return a
def case(name, op, args, fn, tol=1e-4, copies=False):
    out.append(test_fn(name, op, args, fn(*[conv(a) for a in args]), tol, copies))

def params(gates, inp, hid, layers, dirs, bias=True, proj=0, seed=1.0, mapped=False):
    ps = []
    s = seed
    for l in range(layers):
        for d in range(dirs):
            i = inp if l == 0 else (proj or hid) * dirs
            ps.append(T([gates*hid, i], s, scale=0.5, mapped=mapped)); s += 0.3
            ps.append(T([gates*hid, proj or hid], s, scale=0.5)); s += 0.3
            if bias:
                ps.append(T([gates*hid], s, scale=0.5)); s += 0.3
                ps.append(T([gates*hid], s, scale=0.5)); s += 0.3
            if proj:
                ps.append(T([proj, hid], s, scale=0.5)); s += 0.3
    return ps

A = torch.ops.aten
case("lstm_two_layers_bidirectional_batch_first", "aten::lstm.input",
     [T([2,3,4],0.0), [T([4,2,3],0.5), T([4,2,3],0.7)], params(4,4,3,2,2, mapped=True), True, 2, 0.0, False, True, True],
     A.lstm.input, copies=True)
case("lstm_projection", "aten::lstm.input",
     [T([3,2,4],0.0), [T([1,2,2],0.5), T([1,2,4],0.7)], params(4,4,4,1,1,proj=2), True, 1, 0.0, False, False, False], A.lstm.input)
case("lstm_float64", "aten::lstm.input",
     [T([3,2,4],0.0,'f64'), [T([1,2,3],0.5,'f64'), T([1,2,3],0.7,'f64')], [T(p.shape,p.seed,'f64',p.scale) for p in params(4,4,3,1,1)], True, 1, 0.0, False, False, False], A.lstm.input, 1e-12)
case("gru_no_bias", "aten::gru.input", [T([3,2,4],0.0), T([1,2,3],0.5), params(3,4,3,1,1,bias=False), False, 1, 0.0, False, False, False], A.gru.input)
case("gru_two_layers_bidirectional", "aten::gru.input", [T([3,2,4],0.0), T([4,2,3],0.5), params(3,4,3,2,2), True, 2, 0.0, False, True, False], A.gru.input)
case("rnn_tanh_two_layers", "aten::rnn_tanh.input", [T([3,2,4],0.0), T([2,2,3],0.5), params(1,4,3,2,1), True, 2, 0.0, False, False, False], A.rnn_tanh.input)
case("rnn_relu_bidirectional_batch_first", "aten::rnn_relu.input", [T([2,3,4],0.0), T([2,2,3],0.5), params(1,4,3,1,2), True, 1, 0.0, False, True, True], A.rnn_relu.input)
case("lstm_cell_basic", "aten::lstm_cell", [T([2,4],0.0), [T([2,3],0.5), T([2,3],0.7)], T([12,4],1.0,scale=0.5), T([12,3],1.3,scale=0.5), T([12],1.6,scale=0.5), T([12],1.9,scale=0.5)], A.lstm_cell)
case("gru_cell_basic", "aten::gru_cell", [T([2,4],0.0), T([2,3],0.5), T([9,4],1.0,scale=0.5), T([9,3],1.3,scale=0.5), T([9],1.6,scale=0.5), T([9],1.9,scale=0.5)], A.gru_cell)
case("rnn_tanh_cell_no_bias", "aten::rnn_tanh_cell", [T([2,4],0.0), T([2,3],0.5), T([3,4],1.0,scale=0.5), T([3,3],1.3,scale=0.5), None, None], A.rnn_tanh_cell)
case("rnn_relu_cell_basic", "aten::rnn_relu_cell", [T([2,4],0.0), T([2,3],0.5), T([3,4],1.0,scale=0.5), T([3,3],1.3,scale=0.5), T([3],1.6), T([3],1.9)], A.rnn_relu_cell)
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'nn_recurrent.rs'),'w').write("\n".join(out))
case2 = case
case2("lstm_packed_bidirectional_two_layers", "aten::lstm.data",
     [T([6,4],0.0), T([3],ints=[3,2,1]), [T([4,3,3],0.5), T([4,3,3],0.7)], params(4,4,3,2,2), True, 2, 0.0, False, True], A.lstm.data)
case2("gru_packed", "aten::gru.data",
     [T([5,4],0.0), T([3],ints=[2,2,1]), T([1,2,3],0.5), params(3,4,3,1,1), True, 1, 0.0, False, False], A.gru.data)
case2("rnn_tanh_packed_bidirectional", "aten::rnn_tanh.data",
     [T([5,4],0.0), T([3],ints=[2,2,1]), T([2,2,3],0.5), params(1,4,3,1,2), True, 1, 0.0, False, True], A.rnn_tanh.data)
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'nn_recurrent.rs'),'w').write("\n".join(out))
