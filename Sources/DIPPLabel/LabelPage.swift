/// The labelling page: two samples side by side for one class or prompt; a choice by click or
/// keyboard (← left, → right, ↓ or T tie, S or space skip); progress from the server.
/// Self-contained (no scripts or styles from elsewhere).
enum LabelPage {
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <title>DIPP — which sample is better?</title>
    <style>
      body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 46rem; color: #222; }
      h1 { font-size: 1.3rem; }
      #condition { font-size: 1.1rem; margin: 0.5rem 0 1rem; }
      .pair { display: flex; gap: 2rem; justify-content: center; }
      .pair button { border: 3px solid #ccc; background: #fff; padding: 6px; cursor: pointer; border-radius: 6px; }
      .pair button:hover, .pair button:focus { border-color: #1f77b4; }
      .pair img { width: 192px; height: 192px; image-rendering: pixelated; display: block; }
      .actions { margin-top: 1rem; display: flex; gap: 1rem; justify-content: center; }
      #status { margin-top: 1rem; text-align: center; color: #555; }
      .error { color: #b00; }
      kbd { border: 1px solid #aaa; border-radius: 3px; padding: 0 4px; font-size: 0.85em; }
    </style>
    </head>
    <body>
    <h1>Which sample is better?</h1>
    <div id="condition">Loading…</div>
    <div class="pair">
      <button id="left" title="left (←)"><img id="left-image" alt="left sample"></button>
      <button id="right" title="right (→)"><img id="right-image" alt="right sample"></button>
    </div>
    <div class="actions">
      <button id="tie">Tie <kbd>↓</kbd></button>
      <button id="skip">Skip <kbd>S</kbd></button>
    </div>
    <p id="status">Choose with a click or <kbd>←</kbd> <kbd>→</kbd>.</p>
    <script>
    let current = null, busy = false;
    const status = document.getElementById("status");
    function show(message, isError) { status.textContent = message; status.className = isError ? "error" : ""; }
    async function load() {
      const response = await fetch("/api/pair");
      if (!response.ok) { show("could not load a pair: " + (await response.text()), true); return; }
      current = await response.json();
      document.getElementById("left-image").src = current.left;
      document.getElementById("right-image").src = current.right;
      document.getElementById("condition").textContent =
        current.prompt ? "Prompt: \u201c" + current.prompt + "\u201d" : "Class: " + current.className;
      show(current.recorded + " pairs recorded.", false);
    }
    async function choose(choice) {
      if (!current || busy) return;
      busy = true;
      try {
        const response = await fetch("/api/choice", { method: "POST", headers: { "Content-Type": "application/json" },
                                                      body: JSON.stringify({ id: current.id, choice: choice }) });
        const answer = await response.json();
        if (response.ok) { document.body.dataset.recorded = answer.recorded; }
        else if (response.status !== 409) { show(answer.error, true); return; }
        await load();
      } catch (e) { show("the server did not answer: " + e, true); }
      finally { busy = false; }
    }
    document.getElementById("left").onclick = () => choose("left");
    document.getElementById("right").onclick = () => choose("right");
    document.getElementById("tie").onclick = () => choose("tie");
    document.getElementById("skip").onclick = () => choose("skip");
    document.addEventListener("keydown", e => {
      const key = { ArrowLeft: "left", ArrowRight: "right", ArrowDown: "tie", t: "tie", s: "skip", " ": "skip" }[e.key];
      if (key) { e.preventDefault(); choose(key); }
    });
    load();
    </script>
    </body>
    </html>
    """#
}
