export * from './shipped-mosquitto.js';
