# The fuzz targets and the module sources each is compiled with (sourced by build.sh and run.sh).
# A target is one module: its harness (Fuzz/<Target>.swift) plus the sources below, with the imports of
# our own modules dropped, so libFuzzer's coverage and AddressSanitizer instrument every parser line without
# building the C kernels, libuv or OpenBLAS the rest of those modules need.
FUZZ_TARGETS="HTTPRequestParserFuzz JSONParserFuzz CompletionRequestFuzz GGUFReaderFuzz TokenizerFuzz"

fuzz_sources() {
    case "$1" in
        HTTPRequestParserFuzz) ls Sources/HTTP/Parser/*.swift Sources/HTTP/Message/*.swift ;;
        JSONParserFuzz) ls Sources/Server/JSON/*.swift Fuzz/JSONCanonical.swift ;;
        CompletionRequestFuzz) ls Sources/Server/JSON/*.swift Fuzz/JSONCanonical.swift Sources/Server/API/*.swift \
            Sources/Engine/Sampling/SamplingParameters.swift Sources/HTTP/Message/*.swift Sources/HTTP/Parser/ASCII.swift ;;
        GGUFReaderFuzz) ls Sources/GGUF/*.swift Sources/Tokenizer/*.swift Sources/Tensors/AtomicFile.swift ;;
        TokenizerFuzz) ls Sources/GGUF/*.swift Sources/Tokenizer/*.swift Sources/Tensors/AtomicFile.swift ;;
        *) echo "unknown fuzz target '$1'" >&2; return 1 ;;
    esac
}
