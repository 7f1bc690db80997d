import DIPPRuns
import Foundation
#if canImport(FoundationXML)
import FoundationXML   // XMLParser on Linux
#endif
import Testing

/// The checked-in full-mode outputs of the examples (`Documentation/Results/`), which
/// `Documentation/Algorithm.md` quotes: every table parses, every figure is a mean ± sd over at
/// least three seeds, and the claims the page makes from them hold.
struct ExampleResultsTests {
    static let results = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Documentation/Results")

    static func page(_ example: String) throws -> String {
        try String(contentsOf: results.appendingPathComponent("\(example)/results.md"), encoding: .utf8)
    }

    /// Mean and sd of `column` in the row named `row`.
    static func value(_ table: MarkdownTable, _ row: String, _ column: String) throws -> (mean: Double, sd: Double) {
        let cell = try #require(table.cell(row: row, column: column), "no cell \(row) / \(column)")
        return try #require(MarkdownTable.meanAndSpread(cell), "'\(cell)' is not mean ± sd")
    }

    static let divergences = ["ikl-unit", "ikl-l2", "ikl-dmd", "sid-1.0", "sid-1.2", "sid-1.2-ramp-ta", "sds"]

    @Test func compareDivergencesTablesHoldTheirClaims() throws {
        let page = try Self.page("CompareDivergences")
        #expect(page.contains("compare-divergences --full") && page.contains("3 seeds"))
        let tables = MarkdownTable.parse(page)
        try #require(tables.count == 3)
        let (conditional, unconditional, digits) = (tables[0], tables[1], tables[2])
        for table in tables {
            #expect(table.rows.map { $0[0] } == Self.divergences)
            for row in table.rows { #expect(row.dropFirst(2).allSatisfy { MarkdownTable.meanAndSpread($0) != nil }, "\(row)") }
        }
        // Class-conditional mixture: IKL and SiD cover every mode with about the data's spread;
        // SDS lands every class on its mode but collapses it to a point.
        for name in Self.divergences.dropLast() {
            #expect(try Self.value(conditional, name, "modes covered (of 8)") == (8, 0), "\(name)")
            let spread = try Self.value(conditional, name, "spread (data 0.300)").mean
            #expect(spread > 0.2 && spread < 0.4, "\(name): spread \(spread)")
        }
        #expect(try Self.value(conditional, "sds", "spread (data 0.300)").mean < 0.1)
        // Unconditional: SDS collapses onto at most 2 of the 8 modes.
        #expect(try Self.value(unconditional, "sds", "modes covered (of 8)").mean <= 2)
        #expect(try Self.value(unconditional, "ikl-unit", "modes covered (of 8)").mean
                > Self.value(unconditional, "sds", "modes covered (of 8)").mean)
        // Digits: every divergence keeps the class; SDS is the worst in FD by more than the spreads.
        for name in Self.divergences {
            #expect(try Self.value(digits, name, "class accuracy (%)").mean > 90, "\(name)")
        }
        // SiD's TA on EDM's log-normal (SiD's code) beats the TA on the generator's ramp in accuracy, beyond the spreads.
        let sid = try Self.value(digits, "sid-1.2", "class accuracy (%)"), ramp = try Self.value(digits, "sid-1.2-ramp-ta", "class accuracy (%)")
        #expect(sid.mean - sid.sd > ramp.mean + ramp.sd, "sid-1.2 \(sid), sid-1.2-ramp-ta \(ramp)")
        let sds = try Self.value(digits, "sds", "FD-digits (1000 samples)")
        let ikl = try Self.value(digits, "ikl-unit", "FD-digits (1000 samples)")
        #expect(sds.mean - sds.sd > ikl.mean + ikl.sd)
        for plot in ["quality-2d-conditional.svg", "quality-2d-unconditional.svg", "quality-digits.svg"] {
            let data = try Data(contentsOf: Self.results.appendingPathComponent("CompareDivergences/\(plot)"))
            #expect(XMLParser(data: data).parse(), "\(plot) is not well-formed SVG")
        }
    }

    @Test func table1HoldsItsClaims() throws {
        let page = try Self.page("Table1")
        #expect(page.contains("table1 --full") && page.contains("3 seeds"))
        let tables = MarkdownTable.parse(page)
        try #require(tables.count == 2)
        let (table, normalizations) = (tables[0], tables[1])
        #expect(table.rows.count == 7 && normalizations.rows.count == 9)
        for row in table.rows {
            #expect(MarkdownTable.meanAndSpread(row[1]) != nil && MarkdownTable.meanAndSpread(row[3]) != nil, "\(row)")
            #expect(row[2].hasPrefix("[") && row[4].hasPrefix("["), "\(row)")
        }
        let teacher = try #require(table.rows.first { $0[0].hasPrefix("teacher") })
        #expect(try #require(MarkdownTable.meanAndSpread(teacher[1])).mean >= 90)
        func reward(_ preset: String) throws -> (mean: Double, sd: Double) {
            let row = try #require(table.rows.first { $0[0].contains("`\(preset)`") })
            return try #require(MarkdownTable.meanAndSpread(row[5]))
        }
        // The explicit reward raises the reward beyond its spread, at CFG 1 and at CFG 4.5.
        #expect(try reward("cfg1-rew1").mean - reward("cfg1-rew1").sd > reward("cfg1-rew0").mean + reward("cfg1-rew0").sd)
        #expect(try reward("cfg4.5-rew0").mean > reward("cfg1-rew0").mean)
        // The normalisations: for the classifier reward the frozen factor is near 1, so `frozen`
        // and `none` agree within the spread; the running `gradient` pushes the reward further at CFG 1.
        func normalized(_ preset: String, _ mode: String) throws -> (mean: Double, sd: Double) {
            let row = try #require(normalizations.rows.first { $0[0].hasPrefix("`\(preset)`, \(mode)") }, "no row \(preset), \(mode)")
            return try #require(MarkdownTable.meanAndSpread(row[5]))
        }
        for preset in ["cfg1-rew1", "cfg4.5-rew1", "cfg4.5-rew10"] {
            let (frozen, none) = (try normalized(preset, "frozen"), try normalized(preset, "none"))
            #expect(abs(frozen.mean - none.mean) < max(frozen.sd, none.sd), "\(preset): frozen \(frozen), none \(none)")
            #expect(try normalized(preset, "frozen") == reward(preset), "the default row repeats the table above")
        }
        #expect(try normalized("cfg1-rew1", "gradient").mean > normalized("cfg1-rew1", "frozen").mean)
    }

    /// α_rew under the default reward normalisation, for two rewards of different raw scales:
    /// α_rew = 1 moves the reward by ≥ 10% with class accuracy ≥ 95%; α_rew = 10 keeps accuracy
    /// ≥ 90%; α_rew = 0 (the control) leaves the reward within its spread.
    @Test func rewardScaleMeansTheSameForTwoRewards() throws {
        let page = try Self.page("RewardScale")
        #expect(page.contains("reward-scale --full") && page.contains("3 seeds"))
        let table = try #require(MarkdownTable.parse(page).first)
        func row(_ reward: String, _ alpha: String) throws -> [String] {
            try #require(table.rows.first { $0[0] == reward && $0[1] == alpha }, "no row \(reward) α \(alpha)")
        }
        for reward in ["ink", "symmetry"] {
            let one = try row(reward, "1"), ten = try row(reward, "10"), zero = try row(reward, "0")
            let change = try #require(MarkdownTable.meanAndSpread(one[3])), accuracy = try #require(MarkdownTable.meanAndSpread(one[4]))
            #expect(change.mean >= 10 && accuracy.mean >= 95, "\(reward) at α_rew 1: \(one)")
            #expect(try #require(MarkdownTable.meanAndSpread(ten[4])).mean >= 90, "\(reward) at α_rew 10: \(ten)")
            let control = try #require(MarkdownTable.meanAndSpread(zero[3]))
            #expect(abs(control.mean) < change.mean, "\(reward) control: \(zero)")
        }
    }
    @Test func preferencesTablesHoldTheirClaims() throws {
        let page = try Self.page("Preferences")
        #expect(page.contains("preferences --full") && page.contains("3 seeds"))
        let tables = MarkdownTable.parse(page)
        try #require(tables.count == 2)
        let (accuracy, alignment) = (tables[0], tables[1])
        // From 2000 pairs the learned reward reaches ≥ 90% of the noise ceiling on the same held-out pairs.
        #expect(try Self.value(accuracy, "2000", "accuracy / ceiling").mean >= 0.9)
        // The learned reward raises the hidden utility as the utility itself (the oracle) does, within 0.1 sd, at each α.
        for alpha in ["0.7", "1.0"] {
            let learned = try Self.value(alignment, "learned from 2000 pairs, α_rew \(alpha)", "hidden utility rise (sd)").mean
            let oracle = try Self.value(alignment, "oracle: the hidden utility itself, α_rew \(alpha)", "hidden utility rise (sd)").mean
            #expect(abs(learned - oracle) <= 0.1, "α \(alpha): learned \(learned), oracle \(oracle)")
        }
        #expect(try Self.value(alignment, "learned from 2000 pairs, α_rew 1.0", "hidden utility rise (sd)").mean >= 1)
        // Hacking: never flagged for the faithful rewards; always for the misspecified one (the control).
        for row in alignment.rows {
            let flagged = try #require(alignment.cell(row: row[0], column: "hacking flagged"))
            #expect(flagged.hasPrefix(row[0].hasPrefix("misspecified") ? "3 of 3" : "0 of 3"), "\(row[0]): \(flagged)")
        }
        #expect(FileManager.default.fileExists(atPath: Self.results.appendingPathComponent("Preferences/label-page.png").path))
    }

    @Test func textPromptsTablesHoldTheirClaims() throws {
        let page = try Self.page("TextPrompts")
        #expect(page.contains("text-prompts --full") && page.contains("3 seeds"))
        let tables = MarkdownTable.parse(page)
        try #require(tables.count == 4)
        let (training, heldOut, teachers) = (tables[0], tables[1], tables[3])
        let rows = training.rows.map { $0[0] }
        try #require(rows.count == 4 && heldOut.rows.map { $0[0] } == rows)
        let (teacher, distilled, aligned, clipAligned) = (rows[0], rows[1], rows[2], rows[3])
        let agreement = "agreement (%)", thin = "thin − plain stroke mass (×100)", bold = "bold − plain stroke mass (×100)"
        // The teacher follows training prompts ≥ 90% and paraphrases it never saw ≥ 80%.
        #expect(try Self.value(training, teacher, agreement).mean >= 90)
        #expect(try Self.value(heldOut, teacher, agreement).mean >= 80)
        // Thin and bold move stroke mass the named way, in the teacher and in its generator.
        for model in [teacher, distilled] {
            #expect(try Self.value(training, model, thin).mean < 0 && Self.value(training, model, bold).mean > 0, "\(model)")
        }
        // The one-step generator keeps the agreement within 3 points (or above).
        for table in [training, heldOut] {
            #expect(try Self.value(table, distilled, agreement).mean >= Self.value(table, teacher, agreement).mean - 3)
        }
        // DI++ raises held-out agreement over its own start on every seed, FD within 1.5×.
        let gain = try #require(page.range(of: "held-out agreement\n"), "no paired gain line")
        let perSeed = page[gain.upperBound...].prefix(while: { $0 != ")" })
        #expect(perSeed.contains("per seed: +") && !perSeed.contains("-"), "\(perSeed)")
        #expect(try Self.value(heldOut, aligned, agreement).mean > Self.value(heldOut, distilled, agreement).mean)
        #expect(try Self.value(training, aligned, "FD-digits-text").mean <= 1.5 * Self.value(training, distilled, "FD-digits-text").mean)
        // The project's own CLIP: held-out retrieval ≥ 80% on every seed; as the reward it raises
        // held-out agreement over the distilled generator on every seed, FD within 1.5× in the mean.
        let retrieval = try #require(page.range(of: "top-1, per seed "), "no retrieval line")
        let rates = page[retrieval.upperBound...].prefix(while: { $0 != ")" }).split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(rates.count == 3 && rates.allSatisfy { $0 >= 80 }, "\(rates)")
        let clipGain = try #require(page.range(of: "points over the distilled generator (per seed: "), "no CLIP gain line")
        let clipPerSeed = page[clipGain.upperBound...].prefix(while: { $0 != ")" })
        let clipGains = clipPerSeed.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(clipGains.count == 3 && clipGains.allSatisfy { $0 > 0 }, "\(clipPerSeed)")
        #expect(try Self.value(training, clipAligned, "FD-digits-text").mean <= 1.5 * Self.value(training, distilled, "FD-digits-text").mean)
        // Prompts with context words: the teacher at the recommended α_cfg 1.25 names the digit in
        // ≥ 85% in the mean over seeds (the page gives each seed; one may fall below) and ≥ 80% on
        // every seed; reading the tokens beats the pooled sentence embedding.
        let context = try #require(page.range(of: "Per seed, the teacher at α_cfg 1.25: "), "no per-seed context line")
        let contextLine = page[context.upperBound...].prefix(while: { $0 != "\n" })
        let contextRates = contextLine.dropLast(contextLine.hasSuffix(".") ? 1 : 0).split(separator: ",")
            .compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        #expect(contextRates.count == 3 && contextRates.reduce(0, +) / 3 >= 85 && contextRates.allSatisfy { $0 >= 80 }, "\(contextRates)")
        let contextColumn = "context words, α_cfg 1.25 (%)"
        let (tokens, pooled) = (teachers.rows[0][0], teachers.rows[1][0])
        #expect(try Self.value(teachers, tokens, contextColumn).mean > Self.value(teachers, pooled, contextColumn).mean)
        for picture in ["prompts-teacher.svg", "prompts-distilled.svg", "prompts-aligned.svg", "prompts-aligned-clip.svg"] {
            let data = try Data(contentsOf: Self.results.appendingPathComponent("TextPrompts/\(picture)"))
            #expect(XMLParser(data: data).parse(), "\(picture) is not well-formed SVG")
        }
    }

    /// Text-to-3D: DI++ recovers the shapes it is asked for — scored against the true solid and
    /// surface — held-out pairs included, close to the ground-truth fit and well above the
    /// untrained floor; the reward rises with the shape kept; the NeRF plugin lands within 0.1 of
    /// the voxel field.
    @Test func textTo3DTablesHoldTheirClaims() throws {
        let page = try Self.page("TextTo3D")
        #expect(page.contains("text-to-3d --full") && page.contains("3 seed(s)"))
        let tables = MarkdownTable.parse(page)
        try #require(tables.count == 5)
        let (summary, perPrompt, reward, nerf, orientation) = (tables[0], tables[1], tables[2], tables[3], tables[4])
        #expect(Array(summary.header.prefix(5)) == ["method", "prompts", "IoU vs d < 0", "Chamfer", "F-score"])
        func number(_ cell: String) throws -> Double { try #require(MarkdownTable.meanAndSpread(cell), "'\(cell)'").mean }
        func row(_ method: String, _ prompts: String) throws -> [String: String] {
            let r = try #require(summary.rows.first { $0[0].hasPrefix(method) && $0[1] == prompts }, "no row \(method) / \(prompts)")
            return Dictionary(uniqueKeysWithValues: zip(summary.header, r))
        }
        let dipp = try row("DI++ IKL (VSD)", "training pairs"), heldOut = try row("DI++ IKL (VSD)", "held-out pairs")
        let ceiling = try row("ceiling", "training pairs"), start = try row("initial field", "training pairs")
        // IoU vs d < 0 ≥ 0.5 on most training fields and on the held-out pairs; agreement ≥ 80%.
        let above = try #require(Int(dipp["IoU ≥ 0.5"]!.split(separator: " ")[0]))
        #expect(above >= 12, "\(dipp)")
        #expect(try number(heldOut["IoU vs d < 0"]!) >= 0.5 && number(heldOut["agreement (shape and colour)"]!) >= 0.8
                && number(dipp["agreement (shape and colour)"]!) >= 0.8, "\(heldOut) \(dipp)")
        // DI++ within 0.1 of the ground-truth fit in F-score and IoU vs d < 0, well above the floor; a closer surface than the floor's.
        for metric in ["F-score", "IoU vs d < 0"] {
            #expect(try number(dipp[metric]!) >= number(ceiling[metric]!) - 0.1 && number(dipp[metric]!) >= number(start[metric]!) + 0.2,
                    "\(metric): \(dipp) \(ceiling) \(start)")
        }
        #expect(try number(dipp["Chamfer"]!) < number(start["Chamfer"]!))
        #expect(perPrompt.rows.count == 5 * 10)
        // The reward plugin raises warmth; IoU vs d < 0 stays ≥ 0.5.
        for r in reward.rows { #expect(try number(r[6]) > number(r[5]) && number(r[2]) >= 0.5, "\(r)") }
        // The NeRF plugin: IoU vs d < 0 and agreement within 0.1 of the voxel field's.
        for r in nerf.rows {
            #expect(try number(r[2]) >= number(r[1]) - 0.1 && number(r[6]) >= number(r[5]) - 0.1, "\(r)")
        }
        // The orientation regulariser keeps the shape.
        for r in orientation.rows { #expect(try number(r[2]) >= 0.5, "\(r)") }
    }

    /// The α_cfg × α_rew frontier: 12 cells × 3 seeds, every preset marked, a plot that parses.
    @Test func frontierCoversTheGrid() throws {
        let page = try String(contentsOf: Self.results.appendingPathComponent("Frontier/sweep.md"), encoding: .utf8)
        #expect(page.contains("dipp sweep --grid teacherGuidance=1,2,4.5 --grid rewardScale=0,1,3,10 --seeds 3"))
        let table = try #require(MarkdownTable.parse(page).first)
        #expect(table.rows.count == 12 && table.rows.allSatisfy { $0[3] == "3" }, "\(table.rows)")
        #expect(Set(table.rows.map { $0[2] }.filter { !$0.isEmpty }) == Set(Preset.allCases.map(\.rawValue)))
        let data = try Data(contentsOf: Self.results.appendingPathComponent("Frontier/frontier.svg"))
        #expect(XMLParser(data: data).parse())
    }
}

extension ExampleResultsTests {
    /// Bring your own: the reward rose on every seed beyond the spread, the example finished
    /// within the hour, and PyTorch redrew DIPP's samples within 1e-4.
    @Test func bringYourOwnPageHoldsItsClaims() throws {
        let page = try Self.page("BringYourOwn")
        #expect(page.contains("full mode") && page.contains("(3 DI++ seed(s))"))
        let minutes = try #require(page.firstMatch(of: /Whole example: ([0-9.]+) min/).flatMap { Double($0.1) })
        #expect(minutes < 60)
        let table = try #require(MarkdownTable.parse(page).first)
        let row = try #require(table.rows.first { $0[0].hasPrefix("DI++") }, "no DI++ row")
        let reward = row[4].components(separatedBy: " → ").compactMap(MarkdownTable.meanAndSpread)
        try #require(reward.count == 2, "'\(row[4])' is not 'before → after'")
        #expect(reward[1].mean - reward[1].sd > reward[0].mean + reward[0].sd, "\(row[4])")
        #expect(MarkdownTable.meanAndSpread(row[2]) != nil && MarkdownTable.meanAndSpread(row[3]) != nil, "\(row)")
        let ratio = try #require(page.firstMatch(of: /‖Δ‖\/‖DIPP‖ ([0-9]+\.?[0-9]*(?:e[+-]?[0-9]+)?)/).flatMap { Double($0.1) }, "no round-trip figure")
        #expect(ratio <= 1e-4)
    }
}
