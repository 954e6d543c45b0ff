/** What `GET /heatmap` answers: clicks per element and cell of its box, and scroll-depth reach. */
export interface Heatmap {
  grid: number;
  elements: { sel: string; cells: [number, number, number][]; rage: number }[];
  /** Share of page views (0–1) that reached 25, 50, 75 and 100 % of the page. */
  reach: [number, number, number, number];
  views: number;
}

const Z = "2147483000";

function cover(): HTMLCanvasElement {
  const doc = document.documentElement;
  const canvas = document.createElement("canvas");
  canvas.width = doc.scrollWidth;
  canvas.height = Math.max(doc.scrollHeight, document.body.scrollHeight);
  canvas.setAttribute("data-md-overlay", "");
  Object.assign(canvas.style, {
    position: "absolute",
    left: "0",
    top: "0",
    pointerEvents: "none",
    zIndex: Z,
  });
  return canvas;
}

/** The element a stored selector names, or null when this page has none (or it no longer parses). */
function find(selector: string): Element | null {
  try {
    return document.querySelector(selector);
  } catch {
    return null;
  }
}

/** Hot spots: a red glow per cell, stronger with more clicks; rage clicks ringed in black. */
function drawClicks(ctx: CanvasRenderingContext2D, map: Heatmap): number {
  const max = Math.max(1, ...map.elements.flatMap((e) => e.cells.map((c) => c[2])));
  let total = 0;
  for (const element of map.elements) {
    const el = find(element.sel);
    if (!el) continue;
    const box = el.getBoundingClientRect();
    const left = box.left + scrollX;
    const top = box.top + scrollY;
    for (const [cx, cy, n] of element.cells) {
      total += n;
      const x = left + ((cx + 0.5) / map.grid) * box.width;
      const y = top + ((cy + 0.5) / map.grid) * box.height;
      const r = 12 + 18 * (n / max);
      const glow = ctx.createRadialGradient(x, y, 0, x, y, r);
      glow.addColorStop(0, `rgba(255,0,0,${0.5 + 0.5 * (n / max)})`);
      glow.addColorStop(1, "rgba(255,0,0,0)");
      ctx.fillStyle = glow;
      ctx.fillRect(x - r, y - r, 2 * r, 2 * r);
    }
    if (element.rage) {
      ctx.strokeStyle = "#000";
      ctx.lineWidth = 3;
      ctx.strokeRect(left, top, box.width, box.height);
    }
  }
  return total;
}

/** Scroll-depth bands: a line at each quarter of the page with the share of views that got there. */
function drawReach(ctx: CanvasRenderingContext2D, map: Heatmap, height: number) {
  ctx.font = "12px sans-serif";
  map.reach.forEach((share, i) => {
    const y = Math.min(height - 2, ((i + 1) / 4) * height);
    ctx.fillStyle = "rgba(0,90,255,0.8)";
    ctx.fillRect(0, y - 1, ctx.canvas.width, 2);
    ctx.fillText(`${Math.round(share * 100)}% of views reach ${(i + 1) * 25}%`, 8, y - 4);
  });
}

function legend(clicks: number, views: number, close: () => void): HTMLElement {
  const box = document.createElement("div");
  box.setAttribute("data-md-overlay", "");
  Object.assign(box.style, {
    position: "fixed",
    right: "12px",
    bottom: "12px",
    zIndex: Z,
    background: "#fff",
    color: "#111",
    font: "13px sans-serif",
    padding: "8px 10px",
    border: "1px solid #999",
    borderRadius: "6px",
  });
  box.textContent = `MetricsDash heatmap: ${clicks} clicks, ${views} views. Red = most clicked, black box = rage clicks. `;
  const button = document.createElement("button");
  button.textContent = "Close";
  button.id = "md-overlay-close";
  button.onclick = close;
  box.append(button);
  return box;
}

/** Fetches this page's aggregates with the dashboard's token and draws them over the page. */
export async function showOverlay(endpoint: string, site: string, path: string, token: string) {
  const url = `${endpoint}?site=${encodeURIComponent(site)}&path=${encodeURIComponent(path)}`;
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`heatmap refused: ${response.status}`);
  const map = (await response.json()) as Heatmap;
  const canvas = cover();
  const ctx = canvas.getContext("2d")!;
  const clicks = drawClicks(ctx, map);
  drawReach(ctx, map, canvas.height);
  const parts = [canvas, legend(clicks, map.views, () => parts.forEach((p) => p.remove()))];
  document.body.append(...parts);
  document.documentElement.setAttribute("data-md-overlay-ready", String(clicks));
}
