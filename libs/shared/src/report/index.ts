// Reports (`@watchpost/shared/report`): result types and summary, SARIF and CSV renderings.
export * from './report.js';
export * from './sarif.js';
export * from './csv.js';
