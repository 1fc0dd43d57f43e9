// Express 4 is installed under the alias `express4` (see package.json) so both
// majors are tested; @types/express describes the API both share.
declare module 'express4' {
  import express = require('express');
  export = express;
}
