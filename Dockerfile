# weir's container image: Debian 12 with the weir binary (and its LibTorch plug-in) on PATH, built
# from this checkout with Debian's packages only. It is the image `weir export airflow --image`
# and `weir export kfp --image` tasks run (docs/scale-out.md):
#   docker build -t registry.example/weir:0.1 .
#   docker run --rm registry.example/weir:0.1 weir --help
# The image holds no pipeline, data or store: mount the pipeline file and its data at the paths
# the exported tasks name, the artifact root on a volume every task shares, and give the store's
# password through the environment variable the pipeline names (password_env).
FROM debian:12

COPY . /usr/src/weir
WORKDIR /usr/src/weir
# One layer: the build tree and apt's lists are gone before it is committed. The build packages
# stay, since the -dev packages bring the shared libraries weir runs with. libweir_proto.so (the
# message types weir and its plug-ins share) goes where the loader's cache finds it, and weir is
# run once without the build tree to prove it.
RUN scripts/install-deps.sh \
 && cmake -S . -B /tmp/weir-build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DWEIR_BUILD_TESTS=OFF -DWEIR_BUILD_BENCH=OFF \
 && cmake --build /tmp/weir-build --target weir weir_torch_models \
 && install -D -m 755 /tmp/weir-build/bin/weir /usr/local/bin/weir \
 && install -D -m 644 /tmp/weir-build/bin/libweir_torch_models.so \
      /usr/local/lib/weir/libweir_torch_models.so \
 && install -D -m 644 /tmp/weir-build/weir/proto/libweir_proto.so /usr/local/lib/libweir_proto.so \
 && ldconfig \
 && rm -rf /tmp/weir-build /var/lib/apt/lists/* \
 && weir --help >/dev/null

# Where a pipeline that names no store or root keeps them; a shared volume in a cluster.
ENV WEIR_HOME=/var/lib/weir
WORKDIR /
CMD ["weir", "--help"]
