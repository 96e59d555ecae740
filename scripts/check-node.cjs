// Stops `npm ci` (preinstall) and `npm start` on a Node older than package.json's "engines" asks,
// with one line: the version found, the version needed and how to get it. Plain CommonJS with no
// dependencies, so that any old Node parses it and it runs before node_modules exists.
'use strict';
const { readFileSync } = require('fs');
const { join } = require('path');

const wanted = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).engines.node; // ">=22.18"
const parse = (v) => String(v).replace(/^[^0-9]*/, '').split('.').map((n) => parseInt(n, 10) || 0);
const found = process.env.UNSEEN_CHECK_NODE_VERSION || process.version;
const have = parse(found);
const need = parse(wanted);
let older = false;
for (let i = 0; i < 3; i++) {
	const a = have[i] || 0;
	const b = need[i] || 0;
	if (a !== b) {
		older = a < b;
		break;
	}
}
if (older) {
	const needText = need.slice(0, 2).join('.');
	process.stderr.write(
		'Unseen needs Node.js ' + needText + ' or later, but this is Node.js ' + found.replace(/^v/, '') +
			': install Node.js ' + needText + ' or later (https://nodejs.org/en/download, or `nvm install ' + need[0] + '`) and run the command again.\n'
	);
	process.exit(1);
}
