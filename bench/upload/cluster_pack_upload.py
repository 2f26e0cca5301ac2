"""cluster-pack's upload of the current virtualenv, as bench/upload.sh times it.

    python cluster_pack_upload.py s3://BUCKET/PREFIX/env.pex http://127.0.0.1:PORT

Run by the virtualenv's own python, with the virtualenv's bin first on PATH
(cluster-pack runs `pip list` with sys.executable and the `pex` command it
finds on PATH). AWS credentials come from the environment (botocore reads
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY); the endpoint goes to s3fs
through fsspec's client_kwargs, which upload_env passes on as fs_args.
"""

import logging
import sys

import cluster_pack


def main() -> None:
    url, endpoint = sys.argv[1], sys.argv[2]
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    path, env_name = cluster_pack.upload_env(
        package_path=url,
        fs_args={"client_kwargs": {"endpoint_url": endpoint}},
    )
    print(path, env_name)


if __name__ == "__main__":
    main()
