import torch, time, torch.nn.functional as F
def tm(f, reps):
    f()
    t=time.perf_counter()
    for _ in range(reps): f()
    return (time.perf_counter()-t)*1e3/reps
convs=[(3,64,224,7,2,1),(64,64,56,3,1,4),(64,128,56,3,2,1),(128,128,28,3,1,3),(128,256,28,3,2,1),(256,256,14,3,1,3),(256,512,14,3,2,1),(512,512,7,3,1,3),(64,128,56,1,2,1)]
for th in [1,2]:
    torch.set_num_threads(th)
    with torch.no_grad():
        x=torch.randn(1,64,56,56); w=torch.randn(64,64,3,3); b=torch.randn(64)
        print(th, "conv2d", tm(lambda: F.conv2d(x,w,b,1,1), 50))
        x=torch.randn(1,512); w=torch.randn(1000,512); b=torch.randn(1000)
        print(th, "linear", tm(lambda: F.linear(x,w,b), 200))
        tot=0
        for cin,cout,hw,k,s,c in convs:
            x=torch.randn(1,cin,hw,hw); w=torch.randn(cout,cin,k,k)
            tot+=tm(lambda: F.conv2d(x,w,None,s,k//2),10)*c
        print(th, "resnet convs", tot)
        import torchvision
