"""The end of every chapter, on the built site: Summary, Questionnaire (answers collapsed until opened), Exercises
and Further research; a reader opens an answer and sees it."""
import pytest
from conftest import PAGES

CHAPTERS = [page for nb, page in PAGES if nb[:2].isdigit()]  # the chapters 0..10, not the home page or the appendix


@pytest.mark.parametrize('page', CHAPTERS)
def test_chapter_ends_with_study_sections(visit, page):
    "The last four sections of each chapter are Summary, Questionnaire, Exercises, Further research"
    v = visit(page)
    heads = v.page.eval_on_selector_all('main h2', 'hs => hs.map(h => h.textContent.trim())')
    assert heads[-4:] == ['Summary', 'Questionnaire', 'Exercises', 'Further research'], heads


def test_answer_opens(visit):
    "An answer of chapter 2's questionnaire is hidden until the reader clicks it (or presses Enter on it), then shown"
    v = visit('pixel_similarity.html')
    callouts = v.page.locator('#questionnaire .callout')
    assert callouts.count() >= 5
    first = callouts.first
    body = first.locator('.callout-collapse')
    assert not body.is_visible()  # collapsed
    first.locator('.callout-header').click()
    body.wait_for(state='visible', timeout=5000)
    assert 'ideal' in body.inner_text()
    second = callouts.nth(1)
    second.locator('.callout-header').focus()
    v.page.keyboard.press('Enter')  # the header is a button: the keyboard opens it too
    second.locator('.callout-collapse').wait_for(state='visible', timeout=5000)
