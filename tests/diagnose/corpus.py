"""Real cases from public reports: the paste (a short excerpt of what the reporter posted, or a captured
fixture), the root cause as the thread settled it (in our words), and the code diagnose should name.

`expected` is the code that names the settled cause, or None when no code of ours names it;
`healthy` cases (model bugs, feature limits, accuracy questions) must get no FAIL; `shown` says whether
the paste alone shows the cause (False: the thread needed more than was pasted).
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.check_table import fixture


@dataclass(frozen=True)
class Case:
    url: str
    cause: str
    paste: str
    expected: str | None = None
    healthy: bool = False
    shown: bool = True


DOCKER_1440 = ("docker run --rm     --name vllm-ascend-env     --device $DEVICE     --device /dev/dav_manager     "
               "--device /dev/devmm_svm     --device /dev/hisi_hdc   -v /root/Ascend-cann-kernels-910b_8.1.RC1_linux-"
               "aarch64.deb:/Ascend.deb -v /home/models:/models  -it $IMAGE bash\n\n"
               "libascend_hal.so: cannot open shared object file: No such file or directory\n"
               "RuntimeError: Failed to load the backend extension: torch_npu. You can disable extension "
               "auto-loading with TORCH_DEVICE_BACKEND_AUTOLOAD=0.\n")
DOCKER_13399 = """```
docker run -d \\
  --name docexpert-vllm-23 \\
  --restart unless-stopped \\
  --shm-size=16g \\
  --net=host \\
  --device /dev/davinci3 \\
  --device /dev/davinci_manager \\
  --device /dev/devmm_svm \\
  --device /dev/hisi_hdc \\
  -v /usr/local/dcmi:/usr/local/dcmi \\
  -v /usr/local/bin/npu-smi:/usr/local/bin/npu-smi \\
  -v /usr/local/Ascend/driver/lib64/:/usr/local/Ascend/driver/lib64/ \\
  -v /usr/local/Ascend/driver/version.info:/usr/local/Ascend/driver/version.info \\
  -v /etc/ascend_install.info:/etc/ascend_install.info \\
  -v /home/model/DocExpert-1B:/models/DocExpert-1B:ro \\
  quay.nju.edu.cn/ascend/vllm-ascend:v0.23.0rc1-310p \\
  sleep infinity

export ASCEND_RT_VISIBLE_DEVICES=3
vllm serve /models/DocExpert-1B \\
  --served-model-name docexpert-1b \\
  --tensor-parallel-size 1 \\
  --enforce-eager
```
(EngineCore pid=118) Process EngineCore:
(EngineCore pid=118) Traceback (most recent call last):
"""

CASES = [
    # -- faults a signature or a rule names ----------------------------------------------------------------
    Case("https://github.com/vllm-project/vllm-ascend/issues/1440",
         "the container was started without the driver mounts (and with a misspelt davinci_manager)",
         DOCKER_1440, "SIG003"),
    Case("https://github.com/gpustack/gpustack/issues/5660",
         "LD_PRELOAD names a jemalloc file the image does not have; the loader ignores it",
         "ERROR: ld.so: object '/usr/lib/aarch64-linux-gnu/libjemalloc.so' from LD_PRELOAD cannot be preloaded "
         "(cannot open shared object file): ignored.\nINFO 06-18 10:59:31 [__init__.py:239] Platform plugin ascend "
         "is activated\n", "SIG006"),
    Case("https://github.com/hiyouga/LlamaFactory/issues/3839",
         "a previous training process still held the chips' HCCP process",
         "RuntimeError: [ERROR] HCCL error in: torch_npu/csrc/distributed/ProcessGroupHCCL.cpp:64\n"
         "EJ0001: 2024-05-21-11:57:54.167.645 Failed to initialize the HCCP process. Reason: Maybe the last "
         "training process is running.\n", "SIG007"),
    Case("https://github.com/vllm-project/vllm-ascend/issues/167",
         "the worker asked for a device index the node does not have",
         "(RayWorkerWrapper pid=118835) ERROR 02-26 09:45:37 worker_base.py:572]         The argument is "
         "invalid.Reason: Set visible device failed, invalid device=1, input visible devices:1\n", "SIG004"),
    Case("https://github.com/vllm-project/vllm-ascend/issues/2725",
         "an image built for the 910B ran on an Atlas 300I (310P3)",
         "..[ERROR] the socversion Ascend910B1 of bin package does not match the current device socverison "
         "Ascend310P3. Please modify default socversion in run.sh or execute run.sh with socversion parameter.\n",
         "SIG010"),
    Case("https://github.com/vllm-project/vllm-ascend/issues/6676",
         "kernels built for the 910B on an Atlas 300I; the answer was the 310P build",
         "the socversion Ascend910B1 of bin package does not match the current device socverison Ascend310P3. "
         "Please modify default socversion in run.sh or execute run.sh with socversion parameter.\n", "SIG010"),
    Case("https://github.com/vllm-project/vllm-ascend/issues/5461",
         "the ranks of a two-node deployment never connected (HCCL socket timeout)",
         "[PID: 749] 2025-12-29-03:16:15.787.356 Get_Socket_Timeout(EI0006): Getting socket times out. Reason: 1. "
         "The remote does not initiate a connect request.\n", "SIG008", shown=False),
    Case("https://github.com/vllm-project/vllm-ascend/issues/1955",
         "an HCCL port was taken by another process before the socket timeout",
         "[ERROR] HCCL(2717288,python3):2025-07-23-03:47:57.070.463 [hccl_socket.cc:100] [2717288][HcclSocket]"
         "[Listen] socket type[1], listen on ip[192.168.20.160] and specific port[16666] fail. Please check the port "
         "status and whether the port is been using by other process.\n", "SIG009"),
    Case("https://github.com/vllm-project/vllm-ascend/issues/4866",
         "P/D disaggregation without the chips' RoCE addresses; HCCL_INTRA_ROCE_ENABLE=1 on one host",
         "[ERROR] HCCL(161138,):2025-12-10-08:04:09.802.299 [topoinfo_ranktableConcise.cc:446] [162256][Get]"
         "[SingleDeviceIp]'device_ip' is not set correctly,must be set when multi Server or HCCL_INTRA_ROCE_ENABLE "
         "enabled\n", "SIG015"),
    Case("https://github.com/vllm-project/vllm-ascend/issues/152",
         "torch_npu built with the ATB plugin needs the NNAL/ATB package, not installed or not sourced",
         "ImportError: libatb.so: cannot open shared object file: No such file or directory\n", "SIG013"),
    Case("https://github.com/vllm-project/vllm-ascend/issues/2698",
         "another container held the chip (maintainer: -8005 means the device is occupied)",
         fixture("npu-smi-info/vllm-ascend-2698-error-dcmi-8005-in-container.txt"), "SIG001"),
    Case("https://github.com/Ascend/cann-container-image/issues/46",
         "npu-smi in the container could not initialise dcmi: the chip was in use",
         "dcmi model initialized failed, because the device is used. ret is -8020\n", "SIG002"),
    Case("https://github.com/vllm-project/vllm-ascend/issues/1875",
         "NumPy 2.2.6 installed; np.float_ is gone in NumPy 2 (fixed with numpy<2)",
         "[Bug]: vllm serve run failed, numpy AttributeError: `np.float_` was removed in the NumPy 2.0 release.\n",
         "SIG005"),
    Case("https://github.com/gpustack/gpustack/issues/5014",
         "the container's /dev/shm was too small for Ray",
         "ValueError: System memory request exceeds memory available in /dev/shm.\n", "SIG011"),
    Case("https://github.com/vllm-project/vllm-ascend/issues/13399",
         "open; the paste itself sets ASCEND_RT_VISIBLE_DEVICES=3 in a container given one chip (index 0 inside)",
         DOCKER_13399, "CMD006", shown=True),
    # -- faults no code of ours names ----------------------------------------------------------------------
    Case("https://github.com/vllm-project/vllm-ascend/issues/6949",
         "Mooncake's ascend_transport.so was not on LD_LIBRARY_PATH (/usr/local/lib)",
         "ImportError: ascend_transport.so: cannot open shared object file: No such file or directory\n"),
    Case("https://github.com/vllm-project/vllm-ascend/issues/1114",
         "vllm-ascend rebuilt from source without its kernels; the docs' installation steps were not followed",
         "2025-06-07T08:10:41.790Z ERROR camem: Failed to import vllm_ascend_C:libvllm_ascend_kernels.so: cannot "
         "open shared object file: No such file or directory\n"),
    Case("https://github.com/vllm-project/vllm-ascend/issues/1875",
         "NumPy 2 in the environment; the collect_env report shows numpy==2.2.6 but no error line",
         fixture("collect-env/vllm-ascend-1875-910B4-24.1.rc3-numpy2.txt"), shown=True),
    Case("https://github.com/vllm-project/vllm-ascend/issues/237",
         "Ascend 910 (910ProB) is not supported by vllm-ascend (no aclnnSwiGlu kernels)",
         fixture("collect-env/vllm-ascend-237-910ProB-23.0.rc1-earlyformat.txt")),
    Case("https://github.com/vllm-project/vllm-ascend/issues/1047",
         "Ascend 910 (910ProB) is not supported by vllm-ascend",
         fixture("npu-smi-info/vllm-ascend-1047-910ProB-x8-24.1.0.txt")),
    Case("https://github.com/Ascend/pytorch/issues/7",
         "torch_npu's Python dependencies (decorator, sympy, ...) were not installed, so CANN could not initialise",
         ">>> import torch_npu\n>>> x = torch.randn(2,2).npu()\n>>> print(x)\nEH9999: Inner Error!\n"
         "EH9999  [Init][Env]init env failed![FUNC:ReportInnerError][FILE:log_inner.cpp][LINE:145]\n"
         "        build op model failed, result = 500001[FUNC:ReportInnerError][FILE:log_inner.cpp][LINE:145]\n"
         "Aborted (core dumped)\n", shown=False),
    Case("https://github.com/gpustack/gpustack/issues/1432",
         "the worker container saw no NPUs: the Ascend Docker runtime was not installed; installing it fixed it",
         "1. 8 Ascend 910b chips\n2. Driver: CANN 8.0.0-alpha3\n3. gpustack version: v0.5.1\n", shown=False),
    # -- healthy environments: model bugs, feature limits, accuracy questions ------------------------------
    Case("https://github.com/vllm-project/vllm-ascend/issues/7749", "a GLM-5 P/D code bug, fixed in vllm-ascend",
         "(Worker_DP0_TP1_EP1 pid=43727) ERROR 2026-03-27 12:01:24.475 [multiproc_executor.py:932] WorkerProc hit "
         "an exception.\r\n(Worker_DP0_TP1_EP1 pid=43727) ERROR 2026-03-27 12:01:24.475 [multiproc_executor.py:932] "
         "Traceback (most recent call last):\r\nWorker failed with error 'Device properties not initialized. Please "
         "call init_device_properties_triton() first.'\r\n", healthy=True),
    Case("https://github.com/vllm-project/vllm-ascend/issues/31",
         "output differences against GPUs while vllm-ascend was early work; fixed in later releases",
         "The inference results on the GPU are significantly different from those on the NPU.\n`vllm`: 0.7.2\n"
         "`vllm-ascend`: latest\n`GPU`: A800, 4090\n`NPU`: 910b3\n", healthy=True),
    Case("https://github.com/vllm-project/vllm-ascend/issues/3689", "Qwen3-Next repeats itself: a model-level bug",
         fixture("collect-env/vllm-ascend-3689-A3-Ascend910-25.3.rc1.txt"), healthy=True),
    Case("https://github.com/vllm-project/vllm-ascend/issues/3689", "the same thread's npu-smi table (chips busy "
         "serving)", fixture("npu-smi-info/vllm-ascend-3689-A3-8x2chip-25.3.rc1-procs.txt"), healthy=True),
    Case("https://github.com/InternLM/lmdeploy/issues/4272", "an lmdeploy release regressed 310P support",
         fixture("npu-smi-info/lmdeploy-4272-310P3-x4-25.2.1-npuid-32768.txt"), healthy=True),
    Case("https://github.com/vllm-project/vllm-ascend/issues/1963",
         "MllamaForConditionalGeneration is not supported (feature limit)",
         "VLLM_USE_MODELSCOPE=True vllm serve LLM-Research/Llama-3.2-11B-Vision --trust_remote_code --enforce-eager &\n"
         "WARNING 07-23 07:45:00 [arg_utils.py:1735] ['MllamaForConditionalGeneration'] is not supported by the V1 "
         "Engine. Falling back to V0.\nTraceback (most recent call last):\n  File \"/usr/local/python3.10.17/bin/vllm\""
         ", line 8, in <module>\n    sys.exit(main())\n", healthy=True),
    Case("https://github.com/vllm-project/vllm-ascend/issues/2169", "BertModel is not supported on the V1 engine",
         "NotImplementedError: VLLM_USE_V1=1 is not supported with ['BertModel'].\n", healthy=True),
    Case("https://github.com/vllm-project/vllm-ascend/issues/8525", "an attention backend not yet supported",
         "(EngineCore pid=110656) ERROR 04-21 19:11:01 [core.py:1099] EngineCore failed to start.\nNotImplementedError:"
         " <class 'vllm_ascend.attention.attention_v1.AscendAttentionBackend'> is not yet supported.\n", healthy=True),
    Case("https://github.com/vllm-project/vllm-ascend/issues/1233", "AWQ-quantised Qwen3 is not supported",
         "ERROR 06-13 06:59:07 [engine.py:448]   File \"/vllm-workspace/vllm-ascend/vllm_ascend/quantization/"
         "quant_config.py\", line 87, in get_quant_method\n", healthy=True),
    Case("https://github.com/vllm-project/vllm-ascend/issues/2555", "GLM-4.5V on 310P: no plan to support it",
         "1.310P3, 8*48g does it enough for GLM-4.5V to run. if it enough and which vllm-ascend version will "
         "support it\n", healthy=True),
    Case("https://github.com/vllm-project/vllm-ascend/issues/5544", "an accuracy drop with verl in DP+EP+TP mode",
         "Verl + vllm-ascend(v0.11.0) dp+ep+tp+server mode inference accuracy has decreased, while verl + tp + ep + "
         "serve mode is okay.\n", healthy=True),
    Case("https://github.com/vllm-project/vllm-ascend/issues/6671", "an accuracy question with TP1 DP2 on A3",
         "vllm serve /nas/disk1/Qwen3-30B-A3B-Instruct-2507   --served-model-name Qwen3-30B-A3B-Instruct-2507   "
         "--dtype bfloat16   --max_model_len 32768   --tensor-parallel-size 1   --data-parallel-size 2   "
         "--gpu-memory-utilization 0.95   --host 0.0.0.0   --port 8898\n", healthy=True),
    Case("https://github.com/vllm-project/vllm-ascend/issues/4618", "an OCR model's accuracy against A100",
         "Collecting environment information...\nPyTorch version: 2.7.1+cpu\nIs debug build: False\n\n"
         "OS: Ubuntu 22.04.5 LTS (aarch64)\nPython version: 3.11.13 (main, Nov 20 2025, 16:02:27) [GCC 11.4.0] "
         "(64-bit runtime)\n", healthy=True),
    Case("https://github.com/vllm-project/vllm-ascend/issues/790", "the v0.7.3 accuracy report",
         "vLLM version: vLLM: v0.7.3, vLLM Ascend: v0.7.3\nSoftware Environment: CANN: 8.0.0, PyTorch: 2.5.1, "
         "torch-npu: 2.5.1\nHardware Environment: Atlas A2 Series\n", healthy=True),
    Case("https://github.com/Ascend/pytorch/issues/37",
         "a torch_npu 2.1.0.post4 packaging bug (torchair lacked get_npu_backend); post5 fixed it",
         "AttributeError: module 'torch_npu.dynamo.torchair' has no attribute 'get_npu_backend'\n"
         "torch 2.1.0\ntorch_npu 2.1.0\ncann 8.0.RC1\n", healthy=True),
    Case("https://github.com/Ascend/pytorch/issues/24",
         "Python was started inside the torch_npu source tree, which shadows the installed package",
         "python3 -c \"import torch;import torch_npu; a = torch.randn(3, 4).npu(); print(a + a);\"\n"
         "  File \"/data/package/pytorch/torch_npu/npu/utils.py\", line 11, in <module>\n    import torch_npu._C\n"
         "ModuleNotFoundError: No module named 'torch_npu._C'\n", healthy=True),
    Case("https://github.com/hiyouga/LlamaFactory/issues/4159",
         "inference did run on the NPU; a few tokens per second was the normal speed for that setup",
         "ASCEND_RT_VISIBLE_DEVICES=0 llamafactory-cli chat llama2.yaml\ntorch ==2.1\ntorch_npu == 2.1.0.post3\n"
         "CANN toolkit = Ascend-cann-toolkit_8.0.RC1_linux-aarch64.run\n", healthy=True),
    Case("https://github.com/vllm-project/vllm-ascend/issues/1141",
         "Atlas 300I Duo (310P3) was not yet supported by vllm-ascend (feature limit; duplicate of #37)",
         "+-----------------------------------------------------------+\n"
         "| npu-smi 25.0.rc1.1            Version: 25.0.rc1.1 |\n"
         "| NPU Name | Health | Power(W) Temp(C) Hugepages-Usage(page)|\n"
         "| Chip | Bus-Id | AICore(%) Memory-Usage(MB) HBM-Usage(MB) |\n"
         "| 0 310P3 | 0K | 89.2 39 0 / 0 |\n| 0 | 0000:81:00.0 | 0 0 / 0 1460/ 44280 |\n"
         "| 1 310P3 | 0K | 87.7 40 0 / 0 |\n| 0 | 0000:41:00.0 | 0 0 / 0 1479/ 43693 |\n", healthy=True),
    Case("https://github.com/vllm-project/vllm-ascend/issues/738",
         "310P (300I Duo) was not yet supported by vllm-ascend at the time (feature limit)",
         "pip install -vvv vllm vllm-ascend\n", healthy=True),
]
