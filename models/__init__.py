"""SQLModel tables for the whole product; importing this package registers them all."""

from models.after_cutoff import CampaignNotice, MemberBlock, NoShow
from models.campaign import Campaign, Item
from models.console import ConsoleToken
from models.group import Group, GroupMember, Host
from models.ledger import CreditEntry, PointEntry
from models.member import Member, MemberTag, SurveyAnswer
from models.order import OrderChange, OrderLine, OrderRequest
from models.payment import BankTransaction, HeldStatement, PaymentClaim, StatementImport, StatementLayout
from models.reminder import ReminderSent, Setting
from models.webhook import AppliedEvent, OwedConfirmation, WebhookEvent

__all__ = [
    "AppliedEvent",
    "BankTransaction",
    "Campaign",
    "CampaignNotice",
    "ConsoleToken",
    "CreditEntry",
    "Group",
    "HeldStatement",
    "GroupMember",
    "Host",
    "Item",
    "Member",
    "MemberBlock",
    "MemberTag",
    "NoShow",
    "OrderChange",
    "OrderLine",
    "OrderRequest",
    "OwedConfirmation",
    "PaymentClaim",
    "PointEntry",
    "ReminderSent",
    "Setting",
    "StatementImport",
    "StatementLayout",
    "SurveyAnswer",
    "WebhookEvent",
]
