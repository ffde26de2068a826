// Injected into a copy of the HTML report by tests/browser.rs: for every text of every timeline
// drawing, the corners of its box as drawn (rotation included), and a line for each text that
// leaves the drawing or overlaps another (separating-axis test on the rotated boxes).
(function () {
  const problems = [];
  let labels = 0;
  const corners = (t) => {
    const b = t.getBBox(), m = t.getCTM();
    return [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]]
      .map(([x, y]) => new DOMPoint(x, y).matrixTransform(m));
  };
  const axes = (p) => p.map((a, i) => { const b = p[(i + 1) % 4]; return [b.y - a.y, a.x - b.x]; });
  const apart = (p, q) => axes(p).concat(axes(q)).some(([ax, ay]) => {
    const pr = (s) => s.map((v) => v.x * ax + v.y * ay);
    const a = pr(p), b = pr(q);
    return Math.max(...a) <= Math.min(...b) + 0.01 || Math.max(...b) <= Math.min(...a) + 0.01;
  });
  document.querySelectorAll('svg.timeline').forEach((svg, n) => {
    const vb = svg.viewBox.baseVal;
    const texts = [...svg.querySelectorAll('text')];
    const boxes = texts.map((t) => ({ t: t.textContent, c: corners(t) }));
    labels += texts.length;
    boxes.forEach((b) => {
      if (b.c.some((p) => p.x < vb.x - 0.5 || p.y < vb.y - 0.5 || p.x > vb.x + vb.width + 0.5 || p.y > vb.y + vb.height + 0.5))
        problems.push(`drawing ${n}: "${b.t}" leaves the drawing`);
    });
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++)
        if (!apart(boxes[i].c, boxes[j].c)) problems.push(`drawing ${n}: "${boxes[i].t}" overlaps "${boxes[j].t}"`);
  });
  const pre = document.createElement('pre');
  pre.id = 'label-check';
  pre.textContent = `labels ${labels}\n` + problems.join('\n');
  document.body.appendChild(pre);
})();
