'use strict';
// gts: Google's TypeScript style (ESLint + Prettier), as functions-framework-nodejs uses it.
const gts = require('gts');

module.exports = [
  {ignores: ['dist/', 'coverage/', 'node_modules/', 'docs/', 'bench/results/']},
  ...gts,
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {module: 'writable', require: 'readonly', __dirname: 'readonly'},
    },
  },
];
