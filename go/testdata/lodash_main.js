// The same program runs under Node 20 and in v8runner (module_test.go).
import chunk from './lodash-es/chunk.js';
import camelCase from './lodash-es/camelCase.js';
import kebabCase from './lodash-es/kebabCase.js';
import range from './lodash-es/range.js';
import clamp from './lodash-es/clamp.js';

export const result = JSON.stringify({
  chunk: chunk(range(10), 3),
  camel: ['Foo Bar', '--foo-bar--', '__FOO_BAR__', 'Ünïcödé wörds'].map(camelCase),
  kebab: kebabCase('fooBar BazQux'),
  range: range(0, 20, 5),
  clamp: [clamp(-10, -5, 5), clamp(10, -5, 5)],
});
