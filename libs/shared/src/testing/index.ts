export * from './shipped-mosquitto.js';
export * from './csv.js';
export * from './sarif-schema.js';
