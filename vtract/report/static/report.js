/* vtract report: video speed and frame-step controls, and a playhead on the time plots.
   Plain JavaScript, no library; every control is a <button> (keyboard operable by default). */
(function () {
  "use strict";
  var player = document.getElementById("player");
  var video = document.getElementById("video");
  var plots = Array.prototype.slice.call(document.querySelectorAll(".timeplot"));
  if (!player || !video) { return; }
  var fps = parseFloat(player.dataset.fps);
  var nFrames = parseInt(player.dataset.nFrames, 10);
  var duration = parseFloat(player.dataset.duration);   // session length on the image clock (s)
  var t0 = parseFloat(player.dataset.t0);                // image-clock time of the first frame start
  var status = document.getElementById("frame-status");
  var playBtn = document.getElementById("play");

  // The video may be slowed down when rendered: map its time onto the image clock by the ratio of lengths.
  function scale() {
    return (isFinite(video.duration) && video.duration > 0 && duration > 0) ? video.duration / duration : 1;
  }
  function frameAt(vt) {
    return Math.max(0, Math.min(nFrames - 1, Math.floor(vt / scale() * fps + 1e-6)));
  }
  function seekFrame(k) {
    k = Math.max(0, Math.min(nFrames - 1, k));
    video.pause();
    video.currentTime = (k + 0.5) / fps * scale();
    update();
  }
  function seekImageTime(t) { seekFrame(Math.floor((t - t0) * fps)); }

  function update() {
    var k = frameAt(video.currentTime);
    var t = video.currentTime / scale();
    status.textContent = "Frame " + (k + 1) + " / " + nFrames + " · " + t.toFixed(2) + " s";
    playBtn.textContent = video.paused ? "▶ Play" : "❚❚ Pause";
    playBtn.setAttribute("aria-label", video.paused ? "Play" : "Pause");
    plots.forEach(function (p) {
      var head = p.querySelector(".playhead");
      var x0 = parseFloat(p.dataset.x0), x1 = parseFloat(p.dataset.x1);
      var a = parseFloat(p.dataset.t0), b = parseFloat(p.dataset.t1);
      var f = (t0 + t - a) / (b - a);
      if (f < 0 || f > 1) { head.style.display = "none"; return; }
      head.style.display = "block";
      head.style.left = (100 * (x0 + f * (x1 - x0))) + "%";
    });
  }
  function setRate(r) {
    video.playbackRate = r;
    document.querySelectorAll("button.rate").forEach(function (b) {
      b.setAttribute("aria-pressed", String(parseFloat(b.dataset.rate) === r));
    });
  }
  function toggle() {
    if (video.paused) { var p = video.play(); if (p && p.catch) { p.catch(function () {}); } } else { video.pause(); }
  }

  playBtn.addEventListener("click", toggle);
  document.getElementById("prev-frame").addEventListener("click", function () { seekFrame(frameAt(video.currentTime) - 1); });
  document.getElementById("next-frame").addEventListener("click", function () { seekFrame(frameAt(video.currentTime) + 1); });
  document.querySelectorAll("button.rate").forEach(function (b) {
    b.addEventListener("click", function () { setRate(parseFloat(b.dataset.rate)); });
  });
  // the browser resets the rate when a new source loads; keep the chosen one and the buttons in step
  video.addEventListener("ratechange", function () {
    document.querySelectorAll("button.rate").forEach(function (b) {
      b.setAttribute("aria-pressed", String(parseFloat(b.dataset.rate) === video.playbackRate));
    });
  });
  ["timeupdate", "seeked", "play", "pause", "loadedmetadata"].forEach(function (ev) { video.addEventListener(ev, update); });
  (function tick() { if (!video.paused) { update(); } window.requestAnimationFrame(tick); })();

  player.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    var k = frameAt(video.currentTime);
    if (e.key === "ArrowRight" || e.key === ".") { seekFrame(k + 1); }
    else if (e.key === "ArrowLeft" || e.key === ",") { seekFrame(k - 1); }
    else if (e.key === " " || e.key === "k") { if (e.target.tagName === "BUTTON" || e.target === video) { return; } toggle(); }
    else if (e.key === "1") { setRate(0.25); }
    else if (e.key === "2") { setRate(0.5); }
    else if (e.key === "3") { setRate(1); }
    else { return; }
    e.preventDefault();
  });
  document.querySelectorAll("button.seek").forEach(function (b) {
    b.addEventListener("click", function () {
      if (b.dataset.frame !== undefined) { seekFrame(parseInt(b.dataset.frame, 10)); }
      else { seekImageTime(parseFloat(b.dataset.t)); }
      player.scrollIntoView({ behavior: "smooth", block: "center" });
      video.focus();
    });
  });
  plots.forEach(function (p) {
    p.addEventListener("click", function (e) {
      var r = p.getBoundingClientRect();
      var x = (e.clientX - r.left) / r.width;
      var x0 = parseFloat(p.dataset.x0), x1 = parseFloat(p.dataset.x1);
      var f = (x - x0) / (x1 - x0);
      if (f < 0 || f > 1) { return; }
      seekImageTime(parseFloat(p.dataset.t0) + f * (parseFloat(p.dataset.t1) - parseFloat(p.dataset.t0)));
    });
  });
  update();
}());
