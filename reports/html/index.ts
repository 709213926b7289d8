export { renderHtml, type HtmlOptions } from './page';
export { renderTimelineSvg, classifyMark, stallWindows, type Mark, type MarkType } from './timeline-svg';
