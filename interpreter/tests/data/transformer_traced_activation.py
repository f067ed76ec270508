class MultiheadAttention(Module):
  __parameters__ = ["in_proj_weight", "in_proj_bias", ]
  __buffers__ = []
  in_proj_weight : Tensor
  in_proj_bias : Tensor
  training : bool
  _is_full_backward_hook : Optional[bool]
  out_proj : __torch__.torch.nn.modules.linear.___torch_mangle_415.NonDynamicallyQuantizableLinear
  def forward(self: __torch__.torch.nn.modules.activation.___torch_mangle_416.MultiheadAttention,
    src: Tensor) -> Tensor:
    out_proj = self.out_proj
    bias = out_proj.bias
    out_proj0 = self.out_proj
    weight = out_proj0.weight
    in_proj_bias = self.in_proj_bias
    in_proj_weight = self.in_proj_weight
    query = torch.transpose(src, 1, 0)
    tgt_len = ops.prim.NumToTensor(torch.size(query, 0))
    _0 = int(tgt_len)
    _1 = int(tgt_len)
    _2 = int(tgt_len)
    bsz = ops.prim.NumToTensor(torch.size(query, 1))
    _3 = int(bsz)
    _4 = int(bsz)
    _5 = int(bsz)
    _6 = int(bsz)
    embed_dim = ops.prim.NumToTensor(torch.size(query, 2))
    _7 = int(embed_dim)
    head_dim = torch.div(embed_dim, CONSTANTS.c0, rounding_mode="trunc")
    _8 = int(head_dim)
    _9 = int(head_dim)
    _10 = int(head_dim)
    _11 = int(head_dim)
    _12 = int(head_dim)
    _13 = int(head_dim)
    _14 = ops.prim.NumToTensor(torch.size(query, -1))
    _15 = int(_14)
    _16 = torch.linear(query, in_proj_weight, in_proj_bias)
    _17 = torch.unsqueeze(torch.unflatten(_16, -1, [3, _15]), 0)
    _18 = torch.squeeze(torch.transpose(_17, 0, -2), -2)
    proj = torch.contiguous(_18)
    q = torch.select(proj, 0, 0)
    k = torch.select(proj, 0, 1)
    v = torch.select(proj, 0, 2)
    _19 = [_2, int(torch.mul(bsz, CONSTANTS.c0)), _13]
    q0 = torch.transpose(torch.view(q, _19), 0, 1)
    _20 = ops.prim.NumToTensor(torch.size(k, 0))
    _21 = [int(_20), int(torch.mul(bsz, CONSTANTS.c0)), _12]
    k0 = torch.transpose(torch.view(k, _21), 0, 1)
    _22 = ops.prim.NumToTensor(torch.size(v, 0))
    _23 = [int(_22), int(torch.mul(bsz, CONSTANTS.c0)), _11]
    v0 = torch.transpose(torch.view(v, _23), 0, 1)
    src_len = ops.prim.NumToTensor(torch.size(k0, 1))
    _24 = int(src_len)
    _25 = int(src_len)
    q1 = torch.view(q0, [_6, 2, _1, _10])
    k1 = torch.view(k0, [_5, 2, _25, _9])
    v1 = torch.view(v0, [_4, 2, _24, _8])
    attn_output = torch.scaled_dot_product_attention(q1, k1, v1)
    _26 = torch.permute(attn_output, [2, 0, 1, 3])
    attn_output0 = torch.reshape(_26, [int(torch.mul(bsz, tgt_len)), _7])
    attn_output1 = torch.linear(attn_output0, weight, bias)
    _27 = ops.prim.NumToTensor(torch.size(attn_output1, 1))
    attn_output2 = torch.view(attn_output1, [_0, _3, int(_27)])
    return torch.transpose(attn_output2, 1, 0)
