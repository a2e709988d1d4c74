"""Type stubs of the accel package's public names (the modules beside it are annotated)."""
from types import ModuleType
from typing import Any, List

from . import audio as audio
from . import image as image
from ._accel import AudioParams as AudioParams, Buffer as Buffer
from ._context import (ConfigValue as ConfigValue, Context as Context, OpStats as OpStats,
                       Plan as Plan, Selection as Selection)
from ._corpus import (Corpus as Corpus, CorpusRecord as CorpusRecord, NpyHeader as NpyHeader,
                      RunLog as RunLog, RunSummary as RunSummary, npy_header as npy_header,
                      output_complete as output_complete, parse_manifest as parse_manifest,
                      path_hash as path_hash, read_manifest as read_manifest,
                      shard_of as shard_of, shard_parse as shard_parse)
from ._device import Device as Device
from ._records import (AudioInfo as AudioInfo, AudioResult as AudioResult,
                       RunRecord as RunRecord, Segment as Segment)
from .doctor import Check as Check, Report as Report, doctor as doctor
from .errors import (AccelWarning as AccelWarning, BatchError as BatchError,
                     ConfigError as ConfigError,
                     DeviceError as DeviceError, DeviceLostError as DeviceLostError,
                     DeviceTimeoutError as DeviceTimeoutError, DisabledError as DisabledError,
                     Error as Error, FileError as FileError, FormatError as FormatError,
                     InputError as InputError, InputTypeError as InputTypeError,
                     InternalError as InternalError,
                     KernelError as KernelError, NotBuiltError as NotBuiltError,
                     NotFoundError as NotFoundError, OutOfMemoryError as OutOfMemoryError,
                     StrictError as StrictError, UnavailableError as UnavailableError,
                     UnsupportedError as UnsupportedError, VendorError as VendorError)

__version__: str
__all__: List[str]

def version() -> str: ...

# the framework adapters, loaded on first use (accel.torch imports torch)
torch: ModuleType
onnxruntime: ModuleType
ctranslate2: ModuleType
tensorflow: ModuleType
# corpus runs on Dask workers (imports dask's distributed)
dask: ModuleType

def __getattr__(name: str) -> Any: ...
