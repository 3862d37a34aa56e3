//! The header's profile menu (WAI-ARIA menu button): opens on hover, on focus and on click;
//! closes with Escape, on an outside click, on Tab and when the pointer leaves; the arrow keys,
//! Home and End move between its items.

use crate::{
    auth::forms::SignOut,
    i18n::{fill, use_locale, use_messages},
};
use leptos::{ev, form::ActionForm, html, prelude::*, wasm_bindgen::JsCast};
use leptos_router::components::A;

/// Where focus goes inside an open menu of `len` items after a key, from item `current`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuMove {
    First,
    Last,
    Next,
    Previous,
}

impl MenuMove {
    pub fn from_key(key: &str) -> Option<MenuMove> {
        match key {
            "ArrowDown" => Some(MenuMove::Next),
            "ArrowUp" => Some(MenuMove::Previous),
            "Home" => Some(MenuMove::First),
            "End" => Some(MenuMove::Last),
            _ => None,
        }
    }

    /// The item to focus; moving past either end wraps around.
    pub fn target(self, current: Option<usize>, len: usize) -> usize {
        match (self, current) {
            (_, _) if len == 0 => 0,
            (MenuMove::First, _) | (MenuMove::Next, None) => 0,
            (MenuMove::Last, _) | (MenuMove::Previous, None) => len - 1,
            (MenuMove::Next, Some(i)) => (i + 1) % len,
            (MenuMove::Previous, Some(i)) => (i + len - 1) % len,
        }
    }
}

/// A click right after the focus that opened the menu is the same gesture: it must not close it.
const SAME_GESTURE_MS: f64 = 400.0;

#[component]
pub fn ProfileMenu(name: String) -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    let open = RwSignal::new(false);
    let opened_at = StoredValue::new(0.0_f64);
    let root = NodeRef::<html::Div>::new();
    let button = NodeRef::<html::Button>::new();
    let menu = NodeRef::<html::Ul>::new();
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if let Some(Ok(target)) = sign_out.value().get() {
            let _ = window().location().assign(&target);
        }
    });

    let items = move || -> Vec<web_sys::HtmlElement> {
        let Some(menu) = menu.get() else { return Vec::new() };
        let Ok(list) = menu.query_selector_all("[role=menuitem]") else { return Vec::new() };
        (0..list.length()).filter_map(|i| list.get(i)).filter_map(|n| n.dyn_into().ok()).collect()
    };
    let focus_item = move |step: MenuMove| {
        let items = items();
        let active = document().active_element();
        let current =
            items.iter().position(|item| active.as_ref().is_some_and(|a| a == item.as_ref() as &web_sys::Element));
        if let Some(item) = items.get(step.target(current, items.len())) {
            let _ = item.focus();
        }
    };
    let show = move || {
        if !open.get_untracked() {
            opened_at.set_value(now());
            open.set(true);
        }
    };
    // Focus returning to the button after Escape must not open the menu again.
    let returning_focus = StoredValue::new(false);
    let close_to_button = move || {
        open.set(false);
        if let Some(button) = button.get() {
            returning_focus.set_value(true);
            let _ = button.focus();
            returning_focus.set_value(false);
        }
    };

    // An outside click closes the menu.
    let _ = window_event_listener(ev::click, move |event| {
        let inside = root.get_untracked().zip(event.target()).is_some_and(|(root, target)| {
            target.dyn_into::<web_sys::Node>().is_ok_and(|node| root.contains(Some(&node)))
        });
        if !inside {
            open.set(false);
        }
    });

    let on_button_key = move |event: ev::KeyboardEvent| {
        let step = match event.key().as_str() {
            "ArrowDown" | "Enter" | " " => MenuMove::First,
            "ArrowUp" => MenuMove::Last,
            _ => return,
        };
        event.prevent_default();
        show();
        request_animation_frame(move || focus_item(step));
    };
    // Escape closes from anywhere in the widget, the button included.
    let on_key = move |event: ev::KeyboardEvent| {
        if event.key() == "Escape" && open.get_untracked() {
            event.prevent_default();
            close_to_button();
        }
    };
    let on_menu_key = move |event: ev::KeyboardEvent| match event.key().as_str() {
        "Tab" => open.set(false),
        key => {
            if let Some(step) = MenuMove::from_key(key) {
                event.prevent_default();
                focus_item(step);
            }
        }
    };

    view! {
        <div class="profile-menu" node_ref=root on:mouseenter=move |_| show() on:mouseleave=move |_| open.set(false) on:keydown=on_key>
            <button
                type="button"
                class="profile-menu-button"
                id="profile-menu-button"
                node_ref=button
                aria-haspopup="menu"
                aria-controls="profile-menu"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                on:focus=move |_| {
                    if !returning_focus.get_value() {
                        show();
                    }
                }
                on:click=move |_| {
                    if !open.get_untracked() {
                        show();
                    } else if now() - opened_at.get_value() > SAME_GESTURE_MS {
                        open.set(false);
                    }
                }
                on:keydown=on_button_key
            >
                {move || fill(t.get().hello_name, &[("name", &name)])}
            </button>
            <ul
                id="profile-menu"
                role="menu"
                node_ref=menu
                aria-labelledby="profile-menu-button"
                hidden=move || !open.get()
                on:keydown=on_menu_key
            >
                <li role="none"><A href=move || locale.get().href("/account") attr:role="menuitem" attr:tabindex="-1">{move || t.get().my_area}</A></li>
                <li role="none"><A href=move || locale.get().href("/account/orders") attr:role="menuitem" attr:tabindex="-1">{move || t.get().nav_orders}</A></li>
                <li role="none"><A href=move || locale.get().href("/account/messages") attr:role="menuitem" attr:tabindex="-1">{move || t.get().nav_messages}</A></li>
                <li role="none">
                    <ActionForm action=sign_out>
                        <input type="hidden" name="locale" value=move || locale.get().tag()/>
                        <button type="submit" role="menuitem" tabindex="-1">{move || t.get().sign_out}</button>
                    </ActionForm>
                </li>
            </ul>
        </div>
    }
}

fn now() -> f64 {
    js_sys_now()
}

#[cfg(not(feature = "ssr"))]
fn js_sys_now() -> f64 {
    window().performance().map(|p| p.now()).unwrap_or_default()
}

#[cfg(feature = "ssr")]
fn js_sys_now() -> f64 {
    0.0
}

#[cfg(test)]
mod tests {
    use super::MenuMove;

    #[test]
    fn arrow_keys_move_and_wrap_home_and_end_jump() {
        assert_eq!(MenuMove::Next.target(None, 4), 0);
        assert_eq!(MenuMove::Next.target(Some(1), 4), 2);
        assert_eq!(MenuMove::Next.target(Some(3), 4), 0);
        assert_eq!(MenuMove::Previous.target(Some(0), 4), 3);
        assert_eq!(MenuMove::Previous.target(None, 4), 3);
        assert_eq!(MenuMove::First.target(Some(2), 4), 0);
        assert_eq!(MenuMove::Last.target(Some(0), 4), 3);
        assert_eq!(MenuMove::Next.target(None, 0), 0);
    }

    #[test]
    fn only_navigation_keys_move_focus() {
        assert_eq!(MenuMove::from_key("ArrowDown"), Some(MenuMove::Next));
        assert_eq!(MenuMove::from_key("End"), Some(MenuMove::Last));
        assert_eq!(MenuMove::from_key("a"), None);
    }
}
