export { latencyPercentileChart } from './latency-chart.js';
export { instanceShareChart } from './share-chart.js';
export { shareTimelineChart, successTimelineChart } from './timeline-charts.js';
