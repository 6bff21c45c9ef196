"""Build hook of the tollgate Python package: builds libtollgate.so with cargo from the
repository this folder sits in (or takes $TOLLGATE_LIB) and bundles it inside the package, and
tags the wheel for the platform (py3-none-<platform>: ctypes, so no CPython ABI tag)."""
import os
import re
import shutil
import subprocess

from setuptools import Distribution, setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def version() -> str:
    """The workspace version from the repository's Cargo.toml (the library's version)."""
    with open(os.path.join(ROOT, "Cargo.toml")) as f:
        m = re.search(r'^version = "([^"]+)"', f.read(), re.M)
    if not m:
        raise RuntimeError("no version in Cargo.toml")
    return m.group(1)


def library() -> str:
    """Path of the libtollgate.so to bundle: $TOLLGATE_LIB, else a release build by cargo
    (reusing the repository's target directory, so an up-to-date build costs nothing)."""
    given = os.environ.get("TOLLGATE_LIB")
    if given:
        return given
    if not os.path.exists(os.path.join(ROOT, "ffi", "Cargo.toml")):
        raise RuntimeError(f"{ROOT} is not the tollgate repository: set TOLLGATE_LIB")
    subprocess.run(["cargo", "build", "--release", "-p", "tollgate-ffi"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    return os.path.join(target, "release", "libtollgate.so")


class BuildPyWithLibrary(build_py):
    """build_py, then the shared library copied into the built package."""

    def run(self) -> None:
        super().run()
        src = library()
        dest = os.path.join(self.build_lib, "tollgate", "libtollgate.so")
        self.mkpath(os.path.dirname(dest))
        shutil.copyfile(src, dest)


class BinaryDistribution(Distribution):
    """A distribution holding a native library: installed to platlib, wheel not pure."""

    def has_ext_modules(self) -> bool:
        return True


class PlatformWheel(bdist_wheel):
    """A wheel for this platform (it holds a native library) usable by any Python 3."""

    def get_tag(self):
        _, _, plat = super().get_tag()
        return "py3", "none", plat


setup(version=version(), distclass=BinaryDistribution, cmdclass={"build_py": BuildPyWithLibrary, "bdist_wheel": PlatformWheel})
