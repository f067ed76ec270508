import torch, time, torchvision, torch.nn.functional as F
def tm(f, reps):
    f(); best = 1e9
    for _ in range(reps):
        t = time.perf_counter(); f(); best = min(best, (time.perf_counter()-t)*1e3)
    return best
m = torchvision.models.resnet18().eval()
x = torch.randn(1,3,224,224)
for th in [1,2]:
    torch.set_num_threads(th)
    with torch.no_grad():
        xc=torch.randn(1,64,56,56); w=torch.randn(64,64,3,3); b=torch.randn(64)
        print(f"torch {th}t conv2d 1x64x56x56 3x3: {tm(lambda: F.conv2d(xc,w,b,1,1), 50):.3f} ms")
        xl=torch.randn(1,512); wl=torch.randn(1000,512); bl=torch.randn(1000)
        print(f"torch {th}t linear 512->1000: {tm(lambda: F.linear(xl,wl,bl), 200):.3f} ms")
        print(f"torch {th}t resnet18: {tm(lambda: m(x), 10):.2f} ms")
