// The share card through satori (JSX-free object form) -> SVG -> @resvg/resvg-js -> PNG.
// Usage: node satori_card.mjs config.json ; prints one JSON line of per-card milliseconds.
import { readFileSync, writeFileSync } from "node:fs";
import satori from "satori";
import { Resvg } from "@resvg/resvg-js";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const fonts = [
  { name: "Noto Sans", data: readFileSync(config.font_bold), weight: 700, style: "normal" },
  { name: "Noto Sans", data: readFileSync(config.font_regular), weight: 400, style: "normal" },
];

function card(photoDataUrl) {
  const el = (type, style, children) => ({ type, props: { style, children } });
  return el("div", { width: 1200, height: 630, display: "flex", position: "relative", fontFamily: "Noto Sans" }, [
    { type: "img", props: { src: photoDataUrl, width: 1200, height: 630,
      style: { position: "absolute", top: 0, left: 0, width: 1200, height: 630, objectFit: "cover" } } },
    el("div", { position: "absolute", top: 0, left: 0, width: 1200, height: 630,
      backgroundImage: "linear-gradient(to bottom, rgba(0,0,0,0) 28%, rgba(0,0,0,0.85) 100%)" }, []),
    el("div", { position: "absolute", left: 56, right: 56, bottom: 56, display: "flex", flexDirection: "column" }, [
      el("div", { display: "flex" }, [el("div", { backgroundColor: "#d6002a", color: "#fff", fontSize: 26,
        fontWeight: 700, padding: "4px 13px" }, config.kicker)]),
      el("div", { color: "#fff", fontSize: config.headline_size, fontWeight: 700, lineHeight: 1.18,
        marginTop: 22 }, config.headline),
      el("div", { color: "#fff", fontSize: 26, marginTop: 22 }, config.site),
    ]),
  ]);
}

const photoDataUrl = "data:image/jpeg;base64," + readFileSync(config.photo).toString("base64");
async function render() {
  const svg = await satori(card(photoDataUrl), { width: 1200, height: 630, fonts });
  return new Resvg(svg, { font: { loadSystemFonts: false } }).render().asPng();
}

for (let i = 0; i < config.warmup; i++) await render();
const times = [];
let bytes = 0;
for (let i = 0; i < config.n; i++) {
  const start = performance.now();
  const png = await render();
  times.push(performance.now() - start);
  bytes = png.length;
  if (i === 0 && config.out) writeFileSync(config.out, png);
}
console.log(JSON.stringify({ engine: "satori+resvg", format: "png", ms: times, bytes }));
