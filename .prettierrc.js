'use strict';
// gts's Prettier settings (Google's TypeScript style), unchanged.
module.exports = {...require('gts/.prettierrc.json')};
