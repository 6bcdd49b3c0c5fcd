import { greet } from './greet.js';
export const plugin = () => `plugin says ${greet('later')}`;
