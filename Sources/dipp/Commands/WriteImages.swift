import ArgumentParser
import DIPPData
import DIPPRuns
import Foundation

/// `dipp write-images`: a data set written out as an image folder (`--data images:DIR` reads it).
struct WriteImages: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write-images",
        abstract: "Write an image data set out as a Hugging Face imagefolder (class sub-folders; with --captions a metadata.jsonl).",
        discussion: "With --test-fraction F the folder gets train/ and test/ (the seeded, class-stratified split); --data images:DIR reads either back."
    )

    @Option(help: ArgumentHelp("Data set to write.", valueName: CLI.valueName("data set"))) var data: String = "fashion-mnist"
    @Option(help: "Data file or folder instead of the default location.") var dataFile: String?
    @Option(help: "Folder to write.") var out: String
    @Option(help: "png or jpeg.") var format: String = "png"
    @Option(help: "JPEG quality 1…100.") var quality: Int = 95
    @Flag(help: "Write metadata.jsonl with each file's caption (its class name where the data has none) and label.") var captions = false
    @Option(help: "Write only the first N samples of each class (0 = all).") var perClass: Int = 0
    @Option(help: "Hold this fraction out as test/ (0 = one folder, no split).") var testFraction: Double = 0
    @Option(help: "Seed of the split.") var seed: UInt64 = 0

    func run() throws {
        try reportingErrors {
            guard let chosen = ImageFolderWriter.Format(rawValue: format) else {
                throw ValidationError("--format must be png or jpeg, not \(format)")
            }
            guard (1...100).contains(quality), perClass >= 0, testFraction >= 0, testFraction < 1 else {
                throw ValidationError("--quality is 1…100, --per-class ≥ 0 and --test-fraction in [0, 1)")
            }
            var all = try CLI.components.loadData(data, file: dataFile, seed: seed)
            if perClass > 0 {
                var taken = [Int: Int]()
                all = all.subset((0..<all.count).filter { i in
                    taken[all.labels[i], default: 0] += 1
                    return taken[all.labels[i]]! <= perClass
                })
            }
            guard testFraction > 0 else {
                try ImageFolderWriter.write(all, to: out, format: chosen, quality: quality, captions: captions)
                print("wrote \(all.count) \(format) images of \(all.name) to \(out)")
                return
            }
            let (test, train) = all.split(fraction: testFraction, seed: seed)
            try ImageFolderWriter.write(train, to: out + "/train", format: chosen, quality: quality, captions: captions)
            try ImageFolderWriter.write(test, to: out + "/test", format: chosen, quality: quality, captions: captions)
            print("wrote \(train.count) training and \(test.count) test \(format) images of \(all.name) to \(out)")
        }
    }
}
