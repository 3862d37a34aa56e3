// Report a localization problem (issue 16, point 4). Loaded only where testers are served
// (APP_PSEUDO_LOCALES=1), as a plain script beside the wasm, never in it (decision 0039).
// Alt+click on any text, or select a text (or focus a control) and press Alt+Shift+R: the
// browser downloads a Markdown report with the message's key, its arguments, the locale, the
// address, the element's box and the key's screenshot from the last test run, cropped to the
// key's box here on a canvas (the picture is the server's, so no permission is asked).
(() => {
  "use strict";
  const KEY = "data-l10n-key";
  const ARGS = "data-l10n-args";

  /** The element showing a message at or around `node`: itself or an ancestor, else inside it. */
  function messageElement(node) {
    const element = node && (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement);
    if (!element) return null;
    return element.closest(`[${KEY}]`) || element.querySelector(`[${KEY}]`);
  }

  /** The key's screenshot in the page's language (English for the pseudo-locales), cropped. */
  async function screenshot(key, locale) {
    const response = await fetch(`/${locale}/_l10n/shots.json?key=${encodeURIComponent(key)}`);
    if (!response.ok) return null;
    const { shots } = await response.json();
    const language = locale.split("-")[0];
    const shot = shots.find((s) => s.locale === locale) || shots.find((s) => s.locale === language) || shots[0];
    if (!shot) return null;
    const image = new Image();
    image.src = shot.url;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = shot.box.width;
    canvas.height = shot.box.height;
    canvas
      .getContext("2d")
      .drawImage(image, shot.box.x, shot.box.y, shot.box.width, shot.box.height, 0, 0, shot.box.width, shot.box.height);
    return { picture: shot.picture, box: shot.box, png: canvas.toDataURL("image/png") };
  }

  function report(element, shot) {
    const key = element.getAttribute(KEY);
    const locale = document.documentElement.lang;
    const r = element.getBoundingClientRect();
    const box = { x: Math.round(r.x + scrollX), y: Math.round(r.y + scrollY), width: Math.round(r.width), height: Math.round(r.height) };
    const details = {
      key,
      arguments: JSON.parse(element.getAttribute(ARGS) || "{}"),
      locale,
      url: location.href,
      text: element.textContent,
      element: element.tagName.toLowerCase(),
      box,
      window: { width: innerWidth, height: innerHeight },
      user_agent: navigator.userAgent,
      console: new URL(`/${locale}/_l10n?q=${encodeURIComponent(key.split(".")[0])}`, location.href).href,
      screenshot: shot ? { picture: shot.picture, box: shot.box } : null,
    };
    const lines = [
      `## Localization problem: \`${key}\` (${locale})`,
      "",
      "<!-- What is wrong, and what it should say: -->",
      "",
      `- Key: \`${key}\``,
      `- Locale: \`${locale}\``,
      `- Page: ${location.href}`,
      `- Shown text: ${JSON.stringify(element.textContent)}`,
      `- In the console: ${details.console}`,
      "",
      shot
        ? `Screenshot of the last test run (\`${shot.picture}\`, box ${shot.box.x},${shot.box.y} ${shot.box.width}×${shot.box.height}):\n\n![${key}](${shot.png})`
        : "No screenshot of the last test run shows this key.",
      "",
      "```json",
      JSON.stringify(details, null, 2),
      "```",
      "",
    ];
    return lines.join("\n");
  }

  async function download(element) {
    const key = element.getAttribute(KEY);
    let shot = null;
    try {
      shot = await screenshot(key, document.documentElement.lang);
    } catch {
      shot = null; // no screenshots served: the report says so
    }
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([report(element, shot)], { type: "text/markdown" }));
    link.download = `l10n-report-${key}.md`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }

  // Capture: before a link or button under the text acts on the click.
  document.addEventListener(
    "click",
    (event) => {
      if (!event.altKey) return;
      const element = messageElement(event.target);
      if (!element) return;
      event.preventDefault();
      event.stopPropagation();
      download(element);
    },
    true,
  );

  document.addEventListener("keydown", (event) => {
    if (!(event.altKey && event.shiftKey && event.code === "KeyR")) return;
    const selection = getSelection();
    const element =
      (selection && !selection.isCollapsed && messageElement(selection.anchorNode)) || messageElement(document.activeElement);
    if (!element) return;
    event.preventDefault();
    download(element);
  });
})();
