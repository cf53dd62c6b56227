// The page: starts the worker, shows its progress, draws the samples it sends back.
const status = document.getElementById('status');
const canvas = document.getElementById('samples');
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });

worker.onmessage = ({ data }) => {
  if (data.type === 'progress')
    status.textContent = `epoch ${data.epoch}: validation ${data.valLL.toFixed(3)}`;
  if (data.type === 'error') {
    status.textContent = `error: ${data.message}`;
    console.error(data.message);
  }
  if (data.type === 'done') {
    const g = canvas.getContext('2d');
    g.fillStyle = '#1f5fbf';
    for (const [x, y] of data.samples) g.fillRect(160 + 40 * x, 160 - 40 * y, 2, 2);
    status.textContent = `done: test log-likelihood ${data.testLL.toFixed(3)}`;
    Object.assign(window, { result: data });
  }
};
worker.onerror = (e) => console.error(`worker: ${e.message}`);
