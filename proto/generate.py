"""Generate Python gRPC stubs (with .pyi) from proto/authgate/**.proto into proto/gen.

Run by `make stubs` (part of `make install`) and by the container build stage;
the output is never committed.
"""

import pathlib
import shutil
import sys

from grpc_tools import protoc

HERE = pathlib.Path(__file__).resolve().parent


def main() -> int:
    out = HERE / "gen"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    protos = sorted(str(p.relative_to(HERE)) for p in (HERE / "authgate").rglob("*.proto"))
    include = pathlib.Path(protoc.__file__).parent / "_proto"
    rc = protoc.main(
        ["protoc", f"-I{HERE}", f"-I{include}", f"--python_out={out}", f"--pyi_out={out}",
         f"--grpc_python_out={out}", *protos]
    )
    if rc != 0:
        return rc
    # Regular packages, so `authgate.<svc>.v1` never collides with other `authgate` dists.
    for d in [out / "authgate", *(p for p in (out / "authgate").rglob("*") if p.is_dir())]:
        (d / "__init__.py").touch()
    (out / "authgate" / "py.typed").touch()
    return 0


if __name__ == "__main__":
    sys.exit(main())
