// The planner's real map (only loaded when the region configures a tile server,
// HEMMA_MAP_TILES_URL): the vendored Leaflet over the region's own tiles, each staff
// member's route as straight legs base → visits → base in the staff colour, the visits
// numbered as in the run sheet, visits not planned in the warning colour. No inline
// script or style attribute (CSP): colours are set through the DOM.
document.addEventListener("DOMContentLoaded", () => {
  const container = document.getElementById("route-map-leaflet");
  if (!container || !window.L) return;
  const source = document.getElementById(container.dataset.data);
  if (!source) return;
  const data = JSON.parse(source.textContent);
  const L = window.L;

  function icon(className, text, colour, size) {
    const element = document.createElement("div");
    element.className = className;
    if (text) element.textContent = text;
    if (colour) {
      element.style.borderColor = colour;
      element.style.color = colour;
    }
    return L.divIcon({ html: element, className: "", iconSize: [size, size], iconAnchor: [size / 2, size / 2] });
  }

  container.hidden = false;
  const diagram = document.getElementById("route-map-diagram");
  if (diagram) diagram.style.display = "none"; // an SVG element has no `hidden` property
  const map = L.map(container, { attributionControl: true });
  map.attributionControl.setPrefix(false); // no link out of the hospital network
  L.tileLayer(container.dataset.tiles, {
    maxZoom: 19,
    attribution: container.dataset.attribution || "",
  }).addTo(map);

  const bounds = [];
  data.routes.forEach((route) => {
    if (!route.line.length) return;
    L.polyline(route.line, { color: route.colour, weight: 4, opacity: 0.85 })
      .bindTooltip(route.label)
      .addTo(map);
    L.marker(route.line[0], { icon: icon("route-map-base", "", null, 12), keyboard: false })
      .bindTooltip(route.label)
      .addTo(map);
    route.stops.forEach(([lat, lon, number]) => {
      L.marker([lat, lon], { icon: icon("route-map-stop", String(number), route.colour, 22) })
        .bindTooltip(`${route.label}: ${number}`)
        .addTo(map);
    });
    route.line.forEach((point) => bounds.push(point));
  });
  data.loose.forEach(([lat, lon, label]) => {
    const marker = icon("route-map-loose", "", null, 14);
    marker.options.html.style.backgroundColor = data.warning;
    L.marker([lat, lon], { icon: marker }).bindTooltip(label).addTo(map);
    bounds.push([lat, lon]);
  });
  if (bounds.length) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
  else map.setView([62, 15], 5);
});
