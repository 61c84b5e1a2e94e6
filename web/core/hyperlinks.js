// OSC 8 hyperlinks: the URI of each linked cell, for the UI to open on a click. A cell keeps a
// link id (1-255) in the free top byte of its content word; the table maps ids to URIs.
// When all 255 ids are taken, the oldest is reused and first removed from every cell that
// still holds it, so a cell never names a link it was not printed with.
export const LINK_SHIFT = 24;
const LINK_MASK = 0xff << LINK_SHIFT;
export const MAX_LINKS = 255;

export class HyperlinkMethods {
  _resetLinks() {
    this._linkUris = new Array(MAX_LINKS + 1).fill('');
    this._linkIds = new Map();          // uri -> id
    this._nextLinkId = 1;
    this.linkBits = 0;                  // the current link's id, in place in the content word
  }

  // OSC 8 with a URI starts a link; an empty URI ends it.
  _startLink(uri) {
    if (!uri) { this.linkBits = 0; return; }
    let id = this._linkIds.get(uri);
    if (id === undefined) {
      id = this._nextLinkId;
      this._nextLinkId = (id % MAX_LINKS) + 1;
      const old = this._linkUris[id];
      if (old) { this._linkIds.delete(old); this._forgetLink(id); }
      this._linkUris[id] = uri;
      this._linkIds.set(uri, id);
    }
    this.linkBits = id << LINK_SHIFT;
  }

  _forgetLink(id) {
    for (const screen of [this.normal, this.alt]) {
      for (const row of screen.lines) {
        if (!row) continue;
        const c = row.cells;
        for (let i = 0; i < c.length; i += 3) if ((c[i] >>> LINK_SHIFT) === id) c[i] &= ~LINK_MASK;
      }
    }
  }

  // The OSC 8 URI of cell (x, y), y as for getRow (negative: history); '' for none.
  linkAt(x, y) {
    if (y < -this.screen.ybase || y >= this.rows) return '';
    const row = this.screen.line(y);
    if (x < 0 || x >= row.length) return '';
    const id = row.cells[x * 3] >>> LINK_SHIFT;
    return id ? this._linkUris[id] : '';
  }
}
