import torch, time, torchvision
m = torchvision.models.resnet18().eval()
x = torch.randn(1,3,224,224)
for th in [1,2]:
    torch.set_num_threads(th)
    with torch.no_grad():
        for _ in range(3): m(x)
        t=time.perf_counter()
        for _ in range(10): m(x)
        print(f"torch resnet18 {th} threads: {(time.perf_counter()-t)*100:.2f} ms")
    s = torch.jit.script(m)
    with torch.no_grad():
        for _ in range(3): s(x)
        t=time.perf_counter()
        for _ in range(10): s(x)
        print(f"torch scripted resnet18 {th} threads: {(time.perf_counter()-t)*100:.2f} ms")
